// Row reductions in double, as in the forward kernels. The RMSNorm weight gradient is a sum over
// tokens, so it runs as a second pass split by columns: no two threads write the same float.
#include "kernels/cpu/elementwise_backward.h"

#include <cmath>
#include <vector>

#include "core/thread_pool.h"

namespace r1 {

namespace {
// Elements below which the pool is not worth waking.
constexpr int64_t kParallelMin = int64_t(1) << 15;

template <typename F>
void for_ranges(int64_t n, int64_t work, F&& fn) {
  if (work < kParallelMin) {
    if (n > 0) fn(int64_t(0), n);
    return;
  }
  default_thread_pool().parallel_for(n, 1, fn);
}
}  // namespace

void rmsnorm_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                      int64_t T, int64_t D, float eps) {
  std::vector<double> inv(static_cast<size_t>(T));  // r_t
  for_ranges(T, T * D, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* xr = x + t * D;
      const float* gr = dy + t * D;
      double ss = 0.0, dot = 0.0;
      for (int64_t i = 0; i < D; ++i) {
        ss += double(xr[i]) * xr[i];
        dot += double(gr[i]) * w[i] * xr[i];
      }
      const double r = 1.0 / std::sqrt(ss / double(D) + double(eps));
      inv[size_t(t)] = r;
      const double c = r * r * r * dot / double(D);
      float* dr = dx + t * D;
      for (int64_t i = 0; i < D; ++i) dr[i] += float(r * gr[i] * w[i] - c * xr[i]);
    }
  });
  for_ranges(D, T * D, [&](int64_t i0, int64_t i1) {
    std::vector<double> acc(static_cast<size_t>(i1 - i0), 0.0);
    for (int64_t t = 0; t < T; ++t) {
      const double r = inv[size_t(t)];
      for (int64_t i = i0; i < i1; ++i)
        acc[size_t(i - i0)] += double(dy[t * D + i]) * x[t * D + i] * r;
    }
    for (int64_t i = i0; i < i1; ++i) dw[i] += float(acc[size_t(i - i0)]);
  });
}

void silu_mul_backward(const float* gate, const float* up, const float* dout, float* dgate,
                       float* dup, int64_t n) {
  for_ranges(n, n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float g = gate[i];
      const float s = 1.0f / (1.0f + std::exp(-g));
      dgate[i] += dout[i] * up[i] * s * (1.0f + g * (1.0f - s));
      dup[i] += dout[i] * g * s;
    }
  });
}

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t n) {
  for_ranges(rows, rows * n, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* yr = y + r * n;
      const float* gr = dy + r * n;
      double dot = 0.0;
      for (int64_t i = 0; i < n; ++i) dot += double(yr[i]) * gr[i];
      float* dr = dx + r * n;
      for (int64_t i = 0; i < n; ++i) dr[i] += float(yr[i] * (gr[i] - dot));
    }
  });
}

}  // namespace r1
