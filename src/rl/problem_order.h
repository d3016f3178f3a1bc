// The order GRPO visits its training problems in: an endless sequence of seeded shuffles of the
// problem list, read by position, so that a step may draw any number of problems (DAPO's dynamic
// sampling draws more when it refills) and a resumed run continues at the saved position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace r1::rl {

// Positions [first, first + count) of the sequence: position k is entry k % n of the shuffle of
// pass k / n, a fresh permutation of 0..n-1 per pass from `seed` and the pass number. n > 0.
std::vector<size_t> problems_at(size_t n, int64_t first, int64_t count, uint64_t seed);

}  // namespace r1::rl
