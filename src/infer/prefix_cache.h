// The server's prefix cache: the KV of finished and running sequences kept in a tree of token
// blocks, so that a request starting with the same tokens (a shared system prompt, an agent's
// conversation growing turn by turn) copies their keys and values instead of prefilling them
// again. Sequences sharing a prefix share its blocks: a system prompt is kept once, whatever
// the number of conversations after it. The least recently used leaf blocks go first once
// their bytes pass the budget.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "model/kv_cache.h"

namespace r1 {

// The tokens a and b share from their start.
int64_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

struct PrefixCacheStats {
  int64_t blocks = 0, bytes = 0, budget_bytes = 0;
  int64_t lookups = 0, hits = 0, hit_tokens = 0;  // totals: reuse() calls, those reusing, tokens
  int64_t stored_tokens = 0;                      // total tokens copied into new blocks
};

class PrefixCache {
 public:
  using NewCache = std::function<KvCache(int64_t capacity)>;  // an empty cache of the model
  static constexpr int64_t kBlockTokens = 64;

  PrefixCache(int64_t budget_bytes, NewCache new_cache, int64_t block_tokens = kBlockTokens);

  // Appends to dst (empty, with capacity for what is found) the longest prefix of `tokens`, at
  // most max_tokens long, that the kept blocks hold, and returns its length; 0 when none
  // shares a token.
  int64_t reuse(const std::vector<int32_t>& tokens, int64_t max_tokens, KvCache& dst);
  // The length reuse() would find, without copying or counting it.
  int64_t match(const std::vector<int32_t>& tokens, int64_t max_tokens) const;
  // Keeps what `cache` holds, its first cache.length tokens of `tokens`: the blocks the tree
  // lacks are copied from it, the least recently used leaves making room within the budget.
  // What cannot fit once every older block is gone is not kept.
  void keep(const std::vector<int32_t>& tokens, const KvCache& cache);

  const PrefixCacheStats& stats() const { return stats_; }

 private:
  struct Block {
    std::vector<int32_t> tokens;  // block_tokens of them; fewer only in a leaf
    KvCache cache;                // their keys and values (capacity = tokens.size())
    Block* parent = nullptr;
    std::vector<std::unique_ptr<Block>> children;
    uint64_t used = 0;  // the operation that last touched it
  };

  // The blocks holding the longest kept prefix of tokens[0, max_tokens), root first, with the
  // tokens each gives (all but the last give block_tokens).
  std::vector<std::pair<Block*, int64_t>> longest_prefix(const std::vector<int32_t>& tokens,
                                                         int64_t max_tokens) const;
  // Frees least recently used leaves (not touched by this operation) until `bytes` more fit;
  // false when they cannot.
  bool make_room(int64_t bytes);
  Block* oldest_leaf(Block& b);
  void erase(Block* b);

  NewCache new_cache_;
  int64_t block_tokens_;
  Block root_;         // holds no tokens
  uint64_t tick_ = 0;  // the current operation
  PrefixCacheStats stats_;
};

}  // namespace r1
