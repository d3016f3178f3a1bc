// Kept caches in a list, most recently used first; a lookup compares the request's tokens with
// every entry's (entries are few: the budget holds whole conversations).
#include "infer/prefix_cache.h"

#include <algorithm>

namespace r1 {

int64_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  return int64_t(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
}

int64_t PrefixCache::reuse(const std::vector<int32_t>& tokens, int64_t max_tokens, KvCache& dst) {
  ++stats_.lookups;
  auto best = entries_.end();
  int64_t best_length = 0;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const int64_t n = std::min(common_prefix(tokens, it->tokens), max_tokens);
    if (n > best_length) best = it, best_length = n;
  }
  if (best_length == 0) return 0;
  dst.copy_prefix_from(best->cache, best_length);
  entries_.splice(entries_.begin(), entries_, best);
  ++stats_.hits;
  stats_.hit_tokens += best_length;
  return best_length;
}

void PrefixCache::keep(std::vector<int32_t> tokens, KvCache cache) {
  tokens.resize(size_t(std::min(int64_t(tokens.size()), cache.length)));
  const int64_t bytes = cache.allocated_bytes();
  if (tokens.empty() || bytes > stats_.budget_bytes) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const bool covered = common_prefix(tokens, it->tokens) == int64_t(it->tokens.size());
    if (covered) stats_.bytes -= it->cache.allocated_bytes();
    it = covered ? entries_.erase(it) : std::next(it);
  }
  while (!entries_.empty() && stats_.bytes + bytes > stats_.budget_bytes) {
    stats_.bytes -= entries_.back().cache.allocated_bytes();
    entries_.pop_back();
  }
  entries_.push_front({std::move(tokens), std::move(cache)});
  stats_.bytes += bytes;
  stats_.entries = int64_t(entries_.size());
}

}  // namespace r1
