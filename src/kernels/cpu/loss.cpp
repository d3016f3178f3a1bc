// Per row: max, log-sum-exp in double, loss = lse - logit[target]; then the gradient row. Rows
// are spread over the default thread pool; the per-row losses are summed in order afterwards so
// the result does not depend on the thread count.
#include "kernels/cpu/loss.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"

namespace r1 {

CrossEntropyResult cross_entropy(const float* logits, const int32_t* targets, const uint8_t* mask,
                                 int64_t T, int64_t V, float* dlogits) {
  CrossEntropyResult result;
  for (int64_t t = 0; t < T; ++t) {
    if (mask && !mask[t]) continue;
    if (targets[t] < 0 || targets[t] >= V)
      throw Error("cross_entropy: target token id " + std::to_string(targets[t]) + " at position " +
                  std::to_string(t) + " is outside the vocabulary [0, " + std::to_string(V) + ")");
    ++result.tokens;
  }
  const double inv_count = result.tokens ? 1.0 / double(result.tokens) : 0.0;
  std::vector<double> row_loss(static_cast<size_t>(T), 0.0);

  auto rows = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* x = logits + t * V;
      float* g = dlogits + t * V;
      if (mask && !mask[t]) {
        std::fill(g, g + V, 0.0f);
        continue;
      }
      float mx = -INFINITY;
      for (int64_t i = 0; i < V; ++i) mx = std::fmax(mx, x[i]);
      double sum = 0.0;
      for (int64_t i = 0; i < V; ++i) sum += std::exp(double(x[i]) - mx);
      const double lse = double(mx) + std::log(sum);
      const int64_t target = targets[t];
      row_loss[size_t(t)] = lse - double(x[target]);
      for (int64_t i = 0; i < V; ++i) g[i] = float(std::exp(double(x[i]) - lse) * inv_count);
      g[target] -= float(inv_count);
    }
  };
  if (T * V < (int64_t(1) << 15)) {
    rows(0, T);
  } else {
    default_thread_pool().parallel_for(T, 1, rows);
  }
  for (double l : row_loss) result.loss += l;
  result.loss *= inv_count;
  return result;
}

}  // namespace r1
