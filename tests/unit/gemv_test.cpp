// GEMV kernels against the dequantise-and-dot reference for every weight dtype, with sizes that
// leave SIMD tails and partial fp8 blocks, 1..4 tokens and 1..3 threads.
#include "kernels/cpu/gemv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/cpu/linear.h"
#include "test_util.h"

namespace r1 {
namespace {

TEST(Gemv, MatchesReferenceForEveryDtype) {
  std::mt19937 rng(3);
  for (int threads : {1, 2, 3}) {
    set_default_threads(threads);
    for (DType dtype : {DType::F32, DType::BF16, DType::F16, DType::F8_E4M3}) {
      for (auto [out, in] : {std::pair<int64_t, int64_t>{37, 75}, {64, 256}, {5, 7}}) {
        const WeightMatrix W = test::random_matrix(dtype, out, in, rng);
        for (int64_t T = 1; T <= kGemvMaxTokens; ++T) {
          std::vector<float> x(static_cast<size_t>(T * in)), y(static_cast<size_t>(T * out)),
              want(y.size());
          std::normal_distribution<float> normal(0.0f, 1.0f);
          for (float& v : x) v = normal(rng);
          gemv(x.data(), T, W, y.data());
          gemv_reference(x.data(), T, W, want.data());
          for (size_t i = 0; i < y.size(); ++i)
            ASSERT_NEAR(y[i], want[i], 1e-4 * (1 + std::fabs(want[i])))
                << dtype_name(dtype) << " " << out << "x" << in << " T " << T << " i " << i;
        }
      }
    }
  }
  set_default_threads(2);
}

// q8_0/q4_0 weights are dotted against activations rounded to 8 bits per 32-value block
// (d = amax / 127): exact against that rounding done here in double, and within the rounding
// error of the f32 product; in the stored layout and in the 8-row interleaved one.
TEST(Gemv, BlockFormatsMatchQuantisedActivationReference) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int threads : {1, 2}) {
    set_default_threads(threads);
    for (auto [dtype, out, decode_layout] :
         {std::tuple<DType, int64_t, bool>{DType::Q8_0, 45, false}, {DType::Q4_0, 45, false},
          {DType::Q8_0, 48, true}, {DType::Q4_0, 48, true}}) {
      const int64_t in = 160;
      const WeightMatrix stored = test::random_matrix(dtype, out, in, rng);
      const WeightMatrix W = decode_layout ? to_decode_layout(stored) : stored;
      const Tensor w = to_f32(stored.w);  // [out, in] dequantised
      for (int64_t T = 1; T <= kGemvMaxTokens; ++T) {
        std::vector<float> x(static_cast<size_t>(T * in)), xq(x.size()),
            y(static_cast<size_t>(T * out)), exact(y.size());
        for (float& v : x) v = normal(rng);
        for (size_t b = 0; b < x.size(); b += 32) {
          float amax = 0;
          for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b + j]));
          const float d = amax / 127.0f;
          for (size_t j = 0; j < 32; ++j) xq[b + j] = d * std::nearbyint(x[b + j] / d);
        }
        gemv(x.data(), T, W, y.data());
        gemv_reference(x.data(), T, W, exact.data());
        for (int64_t t = 0; t < T; ++t)
          for (int64_t r = 0; r < out; ++r) {
            double want = 0, mag = 0;
            for (int64_t i = 0; i < in; ++i) {
              want += double(w.f32()[r * in + i]) * xq[size_t(t * in + i)];
              mag += std::fabs(double(w.f32()[r * in + i]) * x[size_t(t * in + i)]);
            }
            const float got = y[size_t(t * out + r)];
            ASSERT_NEAR(got, want, 1e-4 * (1 + mag)) << dtype_name(W.w.dtype) << " r " << r;
            EXPECT_NEAR(got, exact[size_t(t * out + r)], 0.02 * mag) << dtype_name(W.w.dtype);
          }
      }
    }
  }
  set_default_threads(2);
}

// bf16/f16 weights stay in the GEMV kernels for a batch of decoding sequences, and f32/bf16/f16
// give every token bit for bit the result it gets alone: a sequence's logits do not depend on
// the batch it is decoded in (continuous batching, GRPO rollouts).
TEST(Gemv, BatchedTokensGetTheirSingleTokenResultBitForBit) {
  std::mt19937 rng(6);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int threads : {1, 2}) {
    set_default_threads(threads);
    for (DType dtype : {DType::F32, DType::BF16, DType::F16}) {
      for (auto [out, in] : {std::pair<int64_t, int64_t>{37, 75}, {130, 264}}) {
        const WeightMatrix W = test::random_matrix(dtype, out, in, rng);
        for (int64_t T : {int64_t(2), int64_t(3), int64_t(5), int64_t(7), int64_t(16), kGemvWidenedMaxTokens - 1, kGemvWidenedMaxTokens}) {
          const bool widened = dtype != DType::F32;
          if (!widened && T > kGemvMaxTokens) continue;
          EXPECT_TRUE(gemv_takes(W, T)) << dtype_name(dtype) << " T " << T;
          std::vector<float> x(static_cast<size_t>(T * in)), y(static_cast<size_t>(T * out)),
              want(y.size()), alone(static_cast<size_t>(out));
          for (float& v : x) v = normal(rng);
          linear(x.data(), T, W, nullptr, y.data());
          gemv_reference(x.data(), T, W, want.data());
          for (int64_t t = 0; t < T; ++t) {
            gemv(x.data() + t * in, 1, W, alone.data());
            for (int64_t r = 0; r < out; ++r) {
              const size_t i = size_t(t * out + r);
              ASSERT_EQ(y[i], alone[size_t(r)]) << dtype_name(dtype) << " T " << T << " t " << t
                                               << " r " << r;
              ASSERT_NEAR(y[i], want[i], 1e-4 * (1 + std::fabs(want[i])));
            }
          }
        }
      }
    }
  }
  const WeightMatrix q8 = test::random_matrix(DType::Q8_0, 32, 64, rng);
  EXPECT_FALSE(gemv_takes(q8, kGemvMaxTokens + 1));
  EXPECT_FALSE(gemv_takes(test::random_matrix(DType::BF16, 8, 8, rng), kGemvWidenedMaxTokens + 1));
  set_default_threads(2);
}

TEST(Gemv, LinearUsesItForDecodeAndAddsBias) {
  std::mt19937 rng(4);
  const WeightMatrix W = test::random_matrix(DType::BF16, 40, 96, rng);
  std::vector<float> x(96, 0.5f), bias(40), y(40), want(40);
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = float(i);
  linear(x.data(), 1, W, bias.data(), y.data());
  gemv_reference(x.data(), 1, W, want.data());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i] + bias[i], 1e-4 * (1 + i));
}

}  // namespace
}  // namespace r1
