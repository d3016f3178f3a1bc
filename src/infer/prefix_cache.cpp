// A tree of token blocks: each block's children continue it with their tokens. A lookup walks
// down the best-matching child; a partly matching block gives its matching tokens and ends the
// walk. A block with fewer than block_tokens tokens is a leaf, replaced once a longer sequence
// extends it.
#include "infer/prefix_cache.h"

#include <algorithm>

#include "core/error.h"

namespace r1 {

int64_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  return int64_t(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
}

PrefixCache::PrefixCache(int64_t budget_bytes, NewCache new_cache, int64_t block_tokens)
    : new_cache_(std::move(new_cache)), block_tokens_(block_tokens) {
  R1_ASSERT(block_tokens > 0);
  stats_.budget_bytes = budget_bytes;
}

std::vector<std::pair<PrefixCache::Block*, int64_t>> PrefixCache::longest_prefix(
    const std::vector<int32_t>& tokens, int64_t max_tokens) const {
  const int64_t limit = std::min(int64_t(tokens.size()), max_tokens);
  std::vector<std::pair<Block*, int64_t>> path;
  const Block* at = &root_;
  for (int64_t pos = 0; pos < limit;) {
    const std::vector<int32_t> chunk(tokens.begin() + pos,
                                     tokens.begin() + std::min(limit, pos + block_tokens_));
    Block* best = nullptr;
    int64_t best_length = 0;
    for (const std::unique_ptr<Block>& child : at->children) {
      const int64_t n = common_prefix(chunk, child->tokens);
      if (n > best_length) best = child.get(), best_length = n;
    }
    if (!best) break;
    path.emplace_back(best, best_length);
    if (best_length < block_tokens_) break;
    pos += best_length;
    at = best;
  }
  return path;
}

int64_t PrefixCache::match(const std::vector<int32_t>& tokens, int64_t max_tokens) const {
  int64_t n = 0;
  for (const auto& [block, length] : longest_prefix(tokens, max_tokens)) n += length;
  return n;
}

int64_t PrefixCache::reuse(const std::vector<int32_t>& tokens, int64_t max_tokens, KvCache& dst) {
  R1_ASSERT(dst.length == 0);
  ++stats_.lookups;
  ++tick_;
  for (const auto& [block, length] : longest_prefix(tokens, max_tokens)) {
    dst.append_from(block->cache, 0, length);
    block->used = tick_;
  }
  if (dst.length > 0) {
    ++stats_.hits;
    stats_.hit_tokens += dst.length;
  }
  return dst.length;
}

void PrefixCache::keep(const std::vector<int32_t>& tokens, const KvCache& cache) {
  if (stats_.budget_bytes == 0) return;
  ++tick_;
  const int64_t length = std::min(int64_t(tokens.size()), cache.length);
  Block* at = &root_;
  for (int64_t pos = 0; pos < length;) {
    const std::vector<int32_t> chunk(tokens.begin() + pos,
                                     tokens.begin() + std::min(length, pos + block_tokens_));
    Block* same = nullptr;
    bool covered = false;
    for (auto it = at->children.begin(); it != at->children.end();) {
      Block& child = **it;
      const int64_t n = common_prefix(chunk, child.tokens);
      if (n == int64_t(chunk.size()) && n == int64_t(child.tokens.size())) same = &child;
      covered = covered || (n == int64_t(chunk.size()) && n < int64_t(child.tokens.size()));
      if (n == int64_t(child.tokens.size()) && n < int64_t(chunk.size())) {  // a shorter leaf
        stats_.bytes -= child.cache.allocated_bytes();
        --stats_.blocks;
        it = at->children.erase(it);
        continue;
      }
      if (n == int64_t(chunk.size())) child.used = tick_;
      ++it;
    }
    if (covered && !same) return;  // a longer block already holds them
    if (!same) {
      KvCache block_cache = new_cache_(int64_t(chunk.size()));
      block_cache.append_from(cache, pos, int64_t(chunk.size()));
      const int64_t bytes = block_cache.allocated_bytes();
      if (!make_room(bytes)) return;
      auto block = std::make_unique<Block>();
      block->tokens = chunk;
      block->cache = std::move(block_cache);
      block->parent = at;
      same = block.get();
      at->children.push_back(std::move(block));
      stats_.bytes += bytes;
      ++stats_.blocks;
      stats_.stored_tokens += int64_t(chunk.size());
    }
    for (Block* b = same; b; b = b->parent) b->used = tick_;
    pos += int64_t(chunk.size());
    at = same;
  }
}

bool PrefixCache::make_room(int64_t bytes) {
  while (stats_.bytes + bytes > stats_.budget_bytes) {
    Block* victim = oldest_leaf(root_);
    if (!victim) return false;
    erase(victim);
  }
  return true;
}

PrefixCache::Block* PrefixCache::oldest_leaf(Block& b) {
  if (b.children.empty()) return &b != &root_ && b.used < tick_ ? &b : nullptr;
  Block* oldest = nullptr;
  for (const std::unique_ptr<Block>& child : b.children) {
    Block* leaf = oldest_leaf(*child);
    if (leaf && (!oldest || leaf->used < oldest->used)) oldest = leaf;
  }
  return oldest;
}

void PrefixCache::erase(Block* b) {
  stats_.bytes -= b->cache.allocated_bytes();
  --stats_.blocks;
  std::vector<std::unique_ptr<Block>>& siblings = b->parent->children;
  siblings.erase(std::find_if(siblings.begin(), siblings.end(),
                              [b](const std::unique_ptr<Block>& s) { return s.get() == b; }));
}

}  // namespace r1
