// Backward of the f32 linear layer y = x W^T + b, and the A^T B product it needs.
#pragma once

#include <cstdint>

namespace r1 {

// Gradients of y = x W^T (+ b) for an f32 W, each ADDED to its buffer (callers zero them once
// per step, so a tensor read by several layers collects all its contributions):
//   dx += dy W,  dW += dy^T x,  db += sum over tokens of dy.
// x: [T, in], W: [out, in], dy: [T, out]; dx: [T, in] or nullptr (not needed), dW: [out, in],
// db: [out] or nullptr (no bias).
void linear_backward(const float* x, const float* W, const float* dy, int64_t T, int64_t in,
                     int64_t out, float* dx, float* dW, float* db);

// dW [out, in] += dy^T x alone (the weight gradient of linear_backward), rows split over the pool.
void linear_backward_weight(const float* x, const float* dy, int64_t T, int64_t in, int64_t out,
                            float* dW);

// db [out] += sum over the T tokens of dy [T, out], summed in double.
void linear_backward_bias(const float* dy, int64_t T, int64_t out, float* db);

// C[M, N] = A^T B (+ beta C) on the calling thread, row-major with row strides: A given as
// [K, M] (lda), B as [K, N] (ldb), C as [M, N] (ldc).
void gemm_f32_atb_serial(const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                         int64_t ldc, int64_t M, int64_t N, int64_t K, float beta);

}  // namespace r1
