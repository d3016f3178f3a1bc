// Row-parallel over the default thread pool like cross_entropy; the log-sum-exp is taken in
// double so that logp and the softmax of the backward agree with cross_entropy's to rounding.
#include "kernels/cpu/token_logprob.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/thread_pool.h"

namespace r1 {

namespace {

// Small problems stay on the calling thread (the pool's hand-off costs more than the work).
template <typename F>
void for_rows(int64_t T, int64_t V, F&& rows) {
  if (T * V < (int64_t(1) << 15)) {
    rows(int64_t(0), T);
  } else {
    default_thread_pool().parallel_for(T, 1, rows);
  }
}

}  // namespace

void target_logprobs(const float* logits, const int32_t* targets, int64_t T, int64_t V, float* logp,
                     double* lse) {
  for (int64_t t = 0; t < T; ++t)
    if (targets[t] < 0 || targets[t] >= V)
      throw Error("target_logprobs: target token id " + std::to_string(targets[t]) + " at row " +
                  std::to_string(t) + " is outside the vocabulary [0, " + std::to_string(V) + ")");
  for_rows(T, V, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* x = logits + t * V;  // [V]
      float mx = -INFINITY;
      for (int64_t i = 0; i < V; ++i) mx = std::fmax(mx, x[i]);
      double sum = 0.0;
      for (int64_t i = 0; i < V; ++i) sum += std::exp(double(x[i]) - mx);
      lse[t] = double(mx) + std::log(sum);
      logp[t] = float(double(x[targets[t]]) - lse[t]);
    }
  });
}

void target_logprobs_backward(const float* logits, const int32_t* targets, const double* lse,
                              const float* dlogp, int64_t T, int64_t V, float* dlogits) {
  for_rows(T, V, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* x = logits + t * V;  // [V]
      float* g = dlogits + t * V;       // [V]
      const double d = dlogp[t];
      if (d == 0.0) {
        std::fill(g, g + V, 0.0f);
        continue;
      }
      const int64_t target = targets[t];
      const double p_target = std::exp(double(x[target]) - lse[t]);
      for (int64_t i = 0; i < V; ++i) g[i] = float(-d * std::exp(double(x[i]) - lse[t]));
      g[target] = float(d * (1.0 - p_target));
    }
  });
}

}  // namespace r1
