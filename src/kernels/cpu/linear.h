// y = x W^T (+ b) for a stored weight matrix in any supported dtype.
#pragma once

#include <cstdint>

#include "core/weight_matrix.h"

namespace r1 {

// Who runs a product: the default thread pool, or only the calling thread (for callers that
// run independent products in parallel themselves, such as the MoE experts of a prompt).
enum class Threads { Pool, Caller };

// x: [T, in], W: [out, in], bias: [out] or nullptr, y: [T, out].
void linear(const float* x, int64_t T, const WeightMatrix& W, const float* bias, float* y,
            Threads threads = Threads::Pool);

// linear() without bias through f32: row panels of W (~1 MiB) dequantised and multiplied by
// sgemm, the prefill path of weights without an int8 kernel and the baseline those kernels are
// measured against (r1_linear_bench).
void linear_dequant_sgemm(const float* x, int64_t T, const WeightMatrix& W, float* y,
                          Threads threads = Threads::Pool);

// Plain f32 GEMM: C[M, N] = A[M, K] * op(B) (+ beta C), row-major, B given as [N, K] when
// b_transposed else [K, N]; the N columns split over the default thread pool.
void gemm_f32(const float* A, const float* B, float* C, int64_t M, int64_t N, int64_t K,
              bool b_transposed, float beta = 0.0f);

// Same with explicit leading dimensions (row strides) for A, B and C.
void gemm_f32_strided(const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                      int64_t ldc, int64_t M, int64_t N, int64_t K, bool b_transposed,
                      float beta = 0.0f);

// The same product on the calling thread only, for callers that parallelise themselves (one
// attention head per task).
void gemm_f32_serial(const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                     int64_t ldc, int64_t M, int64_t N, int64_t K, bool b_transposed,
                     float beta = 0.0f);

// Sets the threads of the kernels' pool (UsageError outside [1, 512]). OpenBLAS is always run
// single-threaded inside the pool's tasks: its own spinning threads would compete with them.
void set_compute_threads(int threads);

}  // namespace r1
