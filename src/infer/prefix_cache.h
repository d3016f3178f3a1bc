// The server's prefix cache: KV caches of finished sequences kept with the tokens they hold, so
// that a request starting with the same tokens (a shared system prompt, an agent's conversation
// growing turn by turn) copies their keys and values instead of prefilling them again. The least
// recently used caches go first once their bytes pass the budget.
#pragma once

#include <cstdint>
#include <list>
#include <vector>

#include "model/kv_cache.h"

namespace r1 {

// The tokens a and b share from their start.
int64_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

struct PrefixCacheStats {
  int64_t entries = 0, bytes = 0, budget_bytes = 0;
  int64_t lookups = 0, hits = 0, hit_tokens = 0;  // totals: reuse() calls, those reusing, tokens
};

class PrefixCache {
 public:
  explicit PrefixCache(int64_t budget_bytes) { stats_.budget_bytes = budget_bytes; }

  // Copies into dst (capacity >= the length found) the longest prefix of `tokens`, at most
  // max_tokens long, that a kept cache holds, and returns its length; 0 (dst untouched) when
  // none shares a token.
  int64_t reuse(const std::vector<int32_t>& tokens, int64_t max_tokens, KvCache& dst);
  // Keeps `cache`, which holds `tokens` (its first cache.length tokens; allocated_bytes() is
  // what it costs). Kept caches whose tokens it extends are dropped, then the least recently
  // used until the bytes fit the budget; a cache larger than the budget is not kept.
  void keep(std::vector<int32_t> tokens, KvCache cache);

  const PrefixCacheStats& stats() const { return stats_; }

 private:
  struct Entry {
    std::vector<int32_t> tokens;
    KvCache cache;
  };
  std::list<Entry> entries_;  // most recently used first
  PrefixCacheStats stats_;
};

}  // namespace r1
