// A small deterministic random source for problem generators: the same seed gives the same
// problems on every platform (std:: distributions are implementation-defined, so not used).
#pragma once

#include <cstdint>

namespace r1::rl {

// SplitMix64: one 64-bit state, good enough statistics for drawing puzzle parameters.
class ProblemRng {
 public:
  explicit ProblemRng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  // Uniform in [lo, hi] (inclusive), by rejection so that no value is favoured.
  int64_t uniform(int64_t lo, int64_t hi) {
    const uint64_t span = uint64_t(hi) - uint64_t(lo) + 1;
    if (span == 0) return int64_t(next());  // the whole int64 range
    const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t v = next();
    while (v >= limit) v = next();
    return int64_t(uint64_t(lo) + v % span);
  }

 private:
  uint64_t state_;
};

// Mixes a base seed and an index into an independent stream seed.
inline uint64_t mix_seed(uint64_t seed, uint64_t index) {
  ProblemRng rng(seed ^ (index * 0xd1b54a32d192ed03ull));
  return rng.next();
}

}  // namespace r1::rl
