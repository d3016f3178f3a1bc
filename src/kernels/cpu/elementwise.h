// Row-wise and element-wise kernels: RMSNorm, SwiGLU, softmax, add.
#pragma once

#include <cstdint>

namespace r1 {

// y[t] = x[t] / sqrt(mean(x[t]^2) + eps) * w, x/y: [T, D] (may alias).
void rmsnorm(const float* x, const float* w, float* y, int64_t T, int64_t D, float eps);
// out[i] = silu(gate[i]) * up[i], n elements.
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
// In-place numerically stable softmax over n values.
void softmax_inplace(float* x, int64_t n);
// y[i] += x[i]
void add_inplace(float* y, const float* x, int64_t n);

}  // namespace r1
