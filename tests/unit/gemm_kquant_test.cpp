// The k-quant / IQ4_XS prefill GEMM against a double-precision product of the dequantised
// weights with the activations rounded to q8_K as the kernel rounds them: every type, token
// counts around the 4-token and 64-token block edges, row counts that leave partial row blocks,
// the 8-row interleaved decode layout where built, 1..3 threads and the caller-only mode, and
// linear() routing to it.
#include "kernels/cpu/gemm_kquant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/kquant_dequant.h"
#include "core/thread_pool.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/gemv_kquant.h"
#include "kernels/cpu/linear.h"
#include "kquant_test_util.h"

namespace r1 {
namespace {

TEST(GemmKquant, MatchesRoundedActivationReference) {
  std::mt19937 rng(31);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int threads : {1, 2, 3}) {
    set_default_threads(threads);
    for (DType dtype :
         {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS}) {
      for (auto [out, in] : {std::pair<int64_t, int64_t>{37, 512}, {7, 256}, {48, 768}}) {
        const WeightMatrix stored = test::random_kquant_matrix(dtype, out, in, rng);
        const WeightMatrix W = to_decode_layout(stored);  // interleaved where out % 8 == 0
        const Tensor w = to_f32(stored.w);                // [out, in]
        for (int64_t T : {5, 8, 9, 16, 17, 70}) {
          if (threads > 1 && T == 70 && out == 7) continue;  // the long case twice per format
          std::vector<float> x(static_cast<size_t>(T * in)), y(static_cast<size_t>(T * out));
          for (float& v : x) v = normal(rng);
          std::vector<block_q8_K> act(size_t(T * in / kQK_K));
          quantize_row_q8_K(x.data(), act.data(), T * in);
          gemm_kquant(x.data(), T, W, y.data(), threads != 3);
          for (int64_t t = 0; t < T; ++t)
            for (int64_t r = 0; r < out; ++r) {
              double want = 0, mag = 0;
              for (int64_t i = 0; i < in; ++i) {
                const block_q8_K& b = act[size_t((t * in + i) / kQK_K)];
                const double p = double(w.f32()[r * in + i]) * double(b.d) * b.qs[i % kQK_K];
                want += p;
                mag += std::fabs(p);
              }
              ASSERT_NEAR(y[size_t(t * out + r)], want, 1e-5 * mag)
                  << dtype_name(W.w.dtype) << " " << out << "x" << in << " T " << T << " t " << t
                  << " r " << r << " threads " << threads;
            }
        }
      }
    }
  }
  set_default_threads(2);
}

TEST(GemmKquant, LinearUsesItAboveTheGemvTokensAndAddsBias) {
  std::mt19937 rng(32);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t out = 40, in = 512, T = kGemvMaxTokens + 3;
  const WeightMatrix W = to_decode_layout(test::random_kquant_matrix(DType::Q4_K, out, in, rng));
  std::vector<float> x(static_cast<size_t>(T * in)), bias(static_cast<size_t>(out)),
      y(static_cast<size_t>(T * out)), want(y.size()), panels(y.size());
  for (float& v : x) v = normal(rng);
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = float(i);
  linear(x.data(), T, W, bias.data(), y.data());
  gemm_kquant(x.data(), T, W, want.data());
  linear_dequant_sgemm(x.data(), T, W, panels.data());
  const Tensor w = to_f32(W.w);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t r = 0; r < out; ++r) {
      const size_t i = size_t(t * out + r);
      EXPECT_FLOAT_EQ(y[i], want[i] + bias[size_t(r)]);
      double mag = 0;  // the f32 product differs by the rounding of x to q8_K
      for (int64_t k = 0; k < in; ++k)
        mag += std::fabs(double(w.f32()[r * in + k]) * x[size_t(t * in + k)]);
      EXPECT_NEAR(want[i], panels[i], 0.02 * mag);
    }
}

}  // namespace
}  // namespace r1
