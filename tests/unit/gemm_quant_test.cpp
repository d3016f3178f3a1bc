// The int8 prefill GEMM for q8_0/q4_0 weights against a double-precision product of the
// dequantised weights with the activations rounded as the kernel rounds them (8 bits per
// 32-value block, d = amax / 127): token counts around the 4-token and 8-token tile edges,
// row counts that leave partial row tiles, 1..3 threads, the 8-row interleaved layouts, and
// linear() routing to it.
#include "kernels/cpu/gemm_quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "core/quant_blocks.h"
#include "core/thread_pool.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/linear.h"
#include "test_util.h"

namespace r1 {
namespace {

// x rounded to 8-bit blocks as the kernel's activations.
std::vector<double> rounded(const std::vector<float>& x) {
  std::vector<double> r(x.size());
  for (size_t b = 0; b < x.size(); b += 32) {
    float amax = 0;
    for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b + j]));
    const float d = amax / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
    for (size_t j = 0; j < 32; ++j) r[b + j] = double(d) * std::nearbyint(x[b + j] * id);
  }
  return r;
}

TEST(GemmQuant, MatchesRoundedActivationReference) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int threads : {1, 2, 3}) {
    set_default_threads(threads);
    for (DType dtype : {DType::Q8_0, DType::Q4_0}) {
      for (auto [out, in, decode_layout] :
           {std::tuple<int64_t, int64_t, bool>{45, 160, false}, {7, 64, false}, {130, 512, false},
            {48, 160, true}, {136, 512, true}}) {
        WeightMatrix stored = test::random_matrix(dtype, out, in, rng);
        if (dtype == DType::Q8_0) stored.w.as<block_q8_0>()[1].qs[3] = -128;  // ggml never writes it
        const WeightMatrix W = decode_layout ? to_decode_layout(stored) : stored;
        const Tensor w = to_f32(stored.w);  // [out, in]
        for (int64_t T : {1, 3, 4, 5, 8, 9, 15, 16, 17, 33}) {
          std::vector<float> x(static_cast<size_t>(T * in)), y(static_cast<size_t>(T * out));
          for (float& v : x) v = normal(rng);
          x[0] = 0.0f;  // a zero block scale somewhere is fine too
          const std::vector<double> xq = rounded(x);
          gemm_quant(x.data(), T, W, y.data());
          for (int64_t t = 0; t < T; ++t)
            for (int64_t r = 0; r < out; ++r) {
              double want = 0, mag = 0;
              for (int64_t i = 0; i < in; ++i) {
                want += double(w.f32()[r * in + i]) * xq[size_t(t * in + i)];
                mag += std::fabs(double(w.f32()[r * in + i]) * xq[size_t(t * in + i)]);
              }
              ASSERT_NEAR(y[size_t(t * out + r)], want, 1e-5 * (1 + mag))
                  << dtype_name(W.w.dtype) << " " << out << "x" << in << " T " << T << " t " << t
                  << " r " << r << " threads " << threads;
            }
        }
      }
    }
  }
  set_default_threads(2);
}

TEST(GemmQuant, LinearUsesItAboveTheGemvTokensAndAddsBias) {
  std::mt19937 rng(12);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t out = 40, in = 96, T = kGemvMaxTokens + 3;
  const WeightMatrix W = test::random_matrix(DType::Q8_0, out, in, rng);
  std::vector<float> x(static_cast<size_t>(T * in)), bias(static_cast<size_t>(out)),
      y(static_cast<size_t>(T * out)), want(y.size());
  for (float& v : x) v = normal(rng);
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = float(i);
  linear(x.data(), T, W, bias.data(), y.data());
  gemm_quant(x.data(), T, W, want.data());
  for (int64_t t = 0; t < T; ++t)
    for (int64_t r = 0; r < out; ++r)
      EXPECT_FLOAT_EQ(y[size_t(t * out + r)], want[size_t(t * out + r)] + bias[size_t(r)]);
}

}  // namespace
}  // namespace r1
