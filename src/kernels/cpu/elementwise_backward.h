// Backward of the row-wise and element-wise kernels of elementwise.h. Every gradient is ADDED
// to its buffer (callers zero them once per step).
#pragma once

#include <cstdint>

namespace r1 {

// Backward of y = rmsnorm(x, w): x, dy, dx: [T, D], w, dw: [D].
//   dx[t] += r w*dy - r^3 x (sum_i w_i dy_i x_i) / D,  dw += sum_t dy[t] x[t] r_t,
// with r_t = 1 / sqrt(mean(x[t]^2) + eps) recomputed from x.
void rmsnorm_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                      int64_t T, int64_t D, float eps);

// Backward of out = silu(gate) * up over n elements:
//   dgate += dout up s (1 + gate (1 - s)),  dup += dout silu(gate),  s = sigmoid(gate).
void silu_mul_backward(const float* gate, const float* up, const float* dout, float* dgate,
                       float* dup, int64_t n);

// Backward of y = softmax(x) over each of `rows` rows of n values, from the output y:
//   dx += y (dy - sum(dy y)).
void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t n);

}  // namespace r1
