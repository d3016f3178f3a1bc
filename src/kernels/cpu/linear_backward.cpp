// dx through the pool-parallel sgemm; dW as sgemm with A transposed, its rows split over the
// pool; db summed in double.
#include "kernels/cpu/linear_backward.h"

#include <cblas.h>

#include <vector>

#include "core/thread_pool.h"
#include "kernels/cpu/linear.h"

namespace r1 {

void gemm_f32_atb_serial(const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                         int64_t ldc, int64_t M, int64_t N, int64_t K, float beta) {
  static const bool single_threaded_blas = (openblas_set_num_threads(1), true);
  (void)single_threaded_blas;
  if (M == 0 || N == 0) return;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(M), int(N), int(K), 1.0f, A, int(lda), B,
              int(ldb), beta, C, int(ldc));
}

void linear_backward_weight(const float* x, const float* dy, int64_t T, int64_t in, int64_t out,
                            float* dW) {
  // dW[o0:o1, :] += dy[:, o0:o1]^T x
  auto weight_rows = [&](int64_t o0, int64_t o1) {
    gemm_f32_atb_serial(dy + o0, out, x, in, dW + o0 * in, in, o1 - o0, in, T, 1.0f);
  };
  // Below ~1M multiply-adds waking the workers costs more than it saves.
  if (T * in * out < (int64_t(1) << 20)) {
    weight_rows(0, out);
  } else {
    default_thread_pool().parallel_for(out, 16, weight_rows);
  }
}

void linear_backward(const float* x, const float* W, const float* dy, int64_t T, int64_t in,
                     int64_t out, float* dx, float* dW, float* db) {
  if (dx) gemm_f32(dy, W, dx, T, in, out, /*b_transposed=*/false, /*beta=*/1.0f);
  linear_backward_weight(x, dy, T, in, out, dW);
  if (db) linear_backward_bias(dy, T, out, db);
}

void linear_backward_bias(const float* dy, int64_t T, int64_t out, float* db) {
  std::vector<double> sum(static_cast<size_t>(out), 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t o = 0; o < out; ++o) sum[size_t(o)] += dy[t * out + o];
  for (int64_t o = 0; o < out; ++o) db[o] += float(sum[size_t(o)]);
}

}  // namespace r1
