// K-quant prefill: the decode kernels (gemv_kquant.h) on blocks of 16 rows and 64 tokens, each
// weight super-block unpacked once per 4 or 6 tokens; the block's weights stay in L1/L2 while
// its tokens' activations stay in L2.
#include "kernels/cpu/gemm_kquant.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/kquant_dequant.h"
#include "core/kquant_rows8.h"
#include "core/thread_pool.h"
#include "kernels/cpu/gemv_kquant.h"

namespace r1 {

namespace {

constexpr int64_t kBlockRows = 16;  // a multiple of the X8 groups
constexpr int64_t kBlockTokens = 64;

}  // namespace

void gemm_kquant(const float* x, int64_t T, const WeightMatrix& W, float* y, bool use_pool) {
  R1_ASSERT((is_kquant(W.w.dtype) || is_kquant_x8(W.w.dtype)) && W.cols() % kQK_K == 0);
  const int64_t in = W.cols(), out = W.rows(), nb = in / kQK_K;
  thread_local std::vector<block_q8_K> act;
  quantize_q8_K_rows(x, in, T, in, act);
  const block_q8_K* a = act.data();  // this thread's buffer, read by all workers
  auto rows = [&](int64_t r0, int64_t r1) {
    for (int64_t b = r0; b < r1; b += kBlockRows) {
      const int64_t b1 = std::min(r1, b + kBlockRows);
      for (int64_t t0 = 0; t0 < T; t0 += kBlockTokens)
        gemv_kquant_rows(a + t0 * nb, std::min(kBlockTokens, T - t0), W, b, b1, y + t0 * out + b,
                         out);
    }
  };
  if (!use_pool) return rows(0, out);
  default_thread_pool().parallel_for(out, kBlockRows, rows);
}

}  // namespace r1
