// Linear layers: a few tokens (decode) go through the fused GEMV kernels; more tokens go to the
// int8 GEMMs for q8_0/q4_0 and k-quant weights, else to BLAS sgemm with bf16/f16/fp8 weights
// dequantised one row panel at a time into a small f32 buffer, so a quantised model never holds
// a full f32 copy of its weights.
#include "kernels/cpu/linear.h"

#include <cblas.h>

#include <algorithm>
#include <vector>

#include "core/kquant_dequant.h"
#include "core/kquant_rows8.h"
#include "core/thread_pool.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/gemm_kquant.h"
#include "kernels/cpu/gemm_quant.h"
#include "kernels/cpu/gemv.h"

namespace r1 {

void gemm_f32_serial(const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                     int64_t ldc, int64_t M, int64_t N, int64_t K, bool b_transposed, float beta) {
  static const bool single_threaded_blas = (openblas_set_num_threads(1), true);
  (void)single_threaded_blas;
  if (M == 0 || N == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, b_transposed ? CblasTrans : CblasNoTrans, int(M), int(N),
              int(K), 1.0f, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

void gemm_f32_strided(const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                      int64_t ldc, int64_t M, int64_t N, int64_t K, bool b_transposed, float beta) {
  auto columns = [&](int64_t n0, int64_t n1) {
    const float* Bn = b_transposed ? B + n0 * ldb : B + n0;
    gemm_f32_serial(A, lda, Bn, ldb, C + n0, ldc, M, n1 - n0, K, b_transposed, beta);
  };
  // Below ~1M multiply-adds waking the workers costs more than it saves.
  if (M * N * K < (int64_t(1) << 20)) return columns(0, N);
  default_thread_pool().parallel_for(N, 16, columns);
}

void gemm_f32(const float* A, const float* B, float* C, int64_t M, int64_t N, int64_t K,
              bool b_transposed, float beta) {
  gemm_f32_strided(A, K, B, b_transposed ? K : N, C, N, M, N, K, b_transposed, beta);
}

namespace {
// Rows per dequantised panel: ~1 MiB of f32, a multiple of the fp8 block height.
int64_t panel_rows(int64_t cols) {
  return std::max<int64_t>(128, (262144 / std::max<int64_t>(cols, 1)) / 128 * 128);
}
}  // namespace

void linear_dequant_sgemm(const float* x, int64_t T, const WeightMatrix& W, float* y,
                          Threads threads) {
  const int64_t out = W.rows(), in = W.cols();
  // Each task dequantises its row panel into its own buffer and multiplies it serially.
  const int64_t step = panel_rows(in);
  const int64_t panels = (out + step - 1) / step;
  auto panel_product = [&](int64_t p) {
    const int64_t r0 = p * step, r1 = std::min(out, r0 + step);
    thread_local std::vector<float> panel;
    panel.resize(size_t((r1 - r0) * in));
    dequantize_rows(W, r0, r1, panel.data());
    // y[:, r0:r1] = x @ panel^T, written with leading dimension `out`.
    gemm_f32_serial(x, in, panel.data(), in, y + r0, out, T, r1 - r0, in, true);
  };
  if (panels == 1 || threads == Threads::Caller) {
    for (int64_t p = 0; p < panels; ++p) panel_product(p);
  } else {
    default_thread_pool().run(panels, panel_product);
  }
}

void linear(const float* x, int64_t T, const WeightMatrix& W, const float* bias, float* y,
            Threads threads) {
  const int64_t out = W.rows(), in = W.cols();
  const bool pool = threads == Threads::Pool;
  if (gemv_takes(W, T)) {
    if (pool) {
      gemv(x, T, W, y);
    } else {
      gemv_rows(x, in, T, W, 0, out, y, out);
    }
  } else if (W.w.dtype == DType::Q8_0 || W.w.dtype == DType::Q4_0 ||
             W.w.dtype == DType::Q8_0_X8 || W.w.dtype == DType::Q4_0_X8) {
    gemm_quant(x, T, W, y, pool);
  } else if (is_kquant(W.w.dtype) || is_kquant_x8(W.w.dtype)) {
    gemm_kquant(x, T, W, y, pool);
  } else if (W.w.dtype == DType::F32) {
    if (pool) {
      gemm_f32(x, W.w.f32(), y, T, out, in, true);
    } else {
      gemm_f32_serial(x, in, W.w.f32(), in, y, out, T, out, in, true);
    }
  } else {
    linear_dequant_sgemm(x, T, W, y, threads);
  }
  if (bias) {
    for (int64_t t = 0; t < T; ++t)
      for (int64_t o = 0; o < out; ++o) y[t * out + o] += bias[o];
  }
}

void set_compute_threads(int threads) { set_default_threads(threads); }

}  // namespace r1
