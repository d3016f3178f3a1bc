// A Linear of the weight tree through the one dense entry (kernels/cpu/matmul.h), both directions.
#pragma once

#include <cstdint>

#include "kernels/cpu/matmul.h"
#include "model/weights.h"

namespace r1 {

// x: [T, in] -> y: [T, out] = x W^T (+ b), overwritten.
inline void linear_layer_forward(const Linear& l, const float* x, int64_t T, float* y,
                                 ComputeType compute, Threads threads = Threads::Pool) {
  matmul(x, T, l.weight, l.bias_ptr(), y, compute, threads);
}

// Given dy [T, out]: gradients ADDED into `grads` (the same layer in the gradient tree) and into
// dx [T, in] (nullptr: not needed).
inline void linear_layer_backward(const Linear& l, const float* x, const float* dy, int64_t T,
                                  const Linear& grads, float* dx, ComputeType compute) {
  matmul_backward(x, dy, T, l.weight, buffer_f32(grads.weight.w),
                  grads.bias.defined() ? buffer_f32(grads.bias) : nullptr, dx, compute);
}

}  // namespace r1
