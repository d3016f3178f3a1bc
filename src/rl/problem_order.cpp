// problems_at: Fisher-Yates shuffles from std::mt19937_64 (its output is fixed by the standard,
// so the order is the same on every platform), one per pass over the problems.
#include "rl/problem_order.h"

#include <numeric>
#include <random>
#include <utility>

#include "core/error.h"

namespace r1::rl {

std::vector<size_t> problems_at(size_t n, int64_t first, int64_t count, uint64_t seed) {
  R1_ASSERT(n > 0 && first >= 0 && count >= 0);
  std::vector<size_t> out;
  std::vector<size_t> order;
  int64_t pass = -1;
  for (int64_t k = first; k < first + count; ++k) {
    if (k / int64_t(n) != pass) {
      pass = k / int64_t(n);
      order.resize(n);
      std::iota(order.begin(), order.end(), size_t(0));
      std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + uint64_t(pass));
      for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[size_t(rng() % i)]);
    }
    out.push_back(order[size_t(k % int64_t(n))]);
  }
  return out;
}

}  // namespace r1::rl
