// K-quant / IQ4_XS decode kernels against a double-precision product of the dequantised weights
// with the activations rounded to q8_K as the kernels round them (core's quantize_row_q8_K):
// every type, every instruction set the build has, the 8-row interleaved decode layout where
// built, odd row counts, 1..9 tokens, 1..3 threads; batch invariance bit for bit; the vector
// q8_K quantiser against the scalar one.
#include "kernels/cpu/gemv_kquant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/kquant_dequant.h"
#include "core/thread_pool.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/linear.h"
#include "kquant_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

constexpr DType kTypes[] = {DType::Q2_K, DType::Q3_K, DType::Q4_K,
                            DType::Q5_K, DType::Q6_K, DType::IQ4_XS};

std::vector<KquantIsa> built_isas() {
  std::vector<KquantIsa> out;
  for (KquantIsa isa : {KquantIsa::Avx2, KquantIsa::Avx512Vnni})
    if (kquant_isa_built(isa)) out.push_back(isa);
  return out;
}

// want[t * out + r] = sum_i w[r, i] * a[t, i] in double, a the dequantised q8_K activations;
// mag the same sum of magnitudes (the scale of float rounding).
void reference(const Tensor& w, const std::vector<block_q8_K>& act, int64_t T,
               std::vector<double>& want, std::vector<double>& mag) {
  const int64_t out = w.dim(0), in = w.dim(1), nb = in / kQK_K;
  want.assign(size_t(T * out), 0.0);
  mag.assign(want.size(), 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t r = 0; r < out; ++r)
      for (int64_t i = 0; i < in; ++i) {
        const block_q8_K& b = act[size_t(t * nb + i / kQK_K)];
        const double p = double(w.f32()[r * in + i]) * double(b.d) * b.qs[i % kQK_K];
        want[size_t(t * out + r)] += p;
        mag[size_t(t * out + r)] += std::fabs(p);
      }
}

std::vector<float> normal_values(int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = normal(rng);
  return x;
}

// The kernels to test on a stored matrix: every instruction set built on its stored layout,
// and its decode layout (8 interleaved rows) where the build has one.
struct Variant {
  WeightMatrix W;
  KquantIsa isa;
};
std::vector<Variant> variants(const WeightMatrix& stored) {
  std::vector<Variant> out;
  for (KquantIsa isa : built_isas()) out.push_back({stored, isa});
  const WeightMatrix decode = to_decode_layout(stored);
  if (decode.w.dtype != stored.w.dtype) out.push_back({decode, kquant_best_isa()});
  return out;
}

TEST(GemvKquant, RowsMatchQuantisedActivationReference) {
  std::mt19937 rng(21);
  int interleaved = 0;
  for (DType dtype : kTypes)
    for (auto [out, in] : {std::pair<int64_t, int64_t>{37, 512}, {5, 256}, {18, 1280}, {40, 768}}) {
      const WeightMatrix stored = test::random_kquant_matrix(dtype, out, in, rng);
      const Tensor w = to_f32(stored.w);
      for (int64_t T : {1, 2, 3, 4, 7}) {
        std::vector<float> x = normal_values(T * in, rng);
        x[3] = 0.0f;
        std::vector<block_q8_K> act;
        quantize_q8_K_rows(x.data(), in, T, in, act);
        std::vector<double> want, mag;
        reference(w, act, T, want, mag);
        for (const auto& [W, isa] : variants(stored)) {
          // A row range from the middle (whole groups of 8 rows for the interleaved layout),
          // outputs strided as the MoE path writes them.
          const bool x8 = W.w.dtype != stored.w.dtype;
          interleaved += x8;
          const int64_t r0 = x8 ? 8 : 1, r1 = out, ldy = out + 3;
          std::vector<float> y(size_t(T * ldy), NAN);
          gemv_kquant_rows(act.data(), T, W, r0, r1, y.data(), ldy, isa);
          for (int64_t t = 0; t < T; ++t)
            for (int64_t r = r0; r < r1; ++r) {
              const size_t i = size_t(t * out + r);
              ASSERT_NEAR(y[size_t(t * ldy + r - r0)], want[i], 1e-5 * mag[i] + 1e-30)
                  << dtype_name(W.w.dtype) << " " << out << "x" << in << " T " << T << " t " << t
                  << " r " << r << " isa " << int(isa);
            }
        }
      }
    }
  if (kquant_isa_built(KquantIsa::Avx512Vnni)) {
    EXPECT_GT(interleaved, 0);
  }
}

// gemv() (the pool, 1..3 threads) and linear() on a few tokens: the quantised-activation result,
// and close to the float product.
TEST(GemvKquant, GemvAndLinearUseTheKernels) {
  std::mt19937 rng(22);
  for (int threads : {1, 2, 3}) {
    set_default_threads(threads);
    for (auto [dtype, out] : {std::pair<DType, int64_t>{DType::Q2_K, 131},
                              {DType::Q3_K, 136},
                              {DType::Q4_K, 131},
                              {DType::Q5_K, 136},
                              {DType::Q6_K, 131},
                              {DType::IQ4_XS, 136}}) {
      const int64_t in = 768;
      const WeightMatrix stored = test::random_kquant_matrix(dtype, out, in, rng);
      const WeightMatrix W = to_decode_layout(stored);  // interleaved where out % 8 == 0
      const Tensor w = to_f32(stored.w);
      for (int64_t T = 1; T <= kGemvMaxTokens; ++T) {
        ASSERT_TRUE(gemv_takes(W, T));
        const std::vector<float> x = normal_values(T * in, rng);
        std::vector<block_q8_K> act;
        quantize_q8_K_rows(x.data(), in, T, in, act);
        std::vector<double> want, mag;
        reference(w, act, T, want, mag);
        std::vector<float> y(size_t(T * out)), exact(y.size());
        linear(x.data(), T, W, nullptr, y.data());
        gemv_reference(x.data(), T, W, exact.data());
        for (size_t i = 0; i < y.size(); ++i) {
          ASSERT_NEAR(y[i], want[i], 1e-5 * mag[i]) << dtype_name(W.w.dtype) << " T " << T;
          EXPECT_NEAR(y[i], exact[i], 0.02 * mag[i]) << dtype_name(dtype);
        }
      }
    }
  }
  set_default_threads(2);
}

// A token's result does not depend on the tokens it shares a call with, on any instruction set.
TEST(GemvKquant, BatchedTokensGetTheirSingleTokenResultBitForBit) {
  std::mt19937 rng(23);
  for (DType dtype : kTypes) {
    const int64_t out = 24, in = 512, T = 9;
    const WeightMatrix stored = test::random_kquant_matrix(dtype, out, in, rng);
    const std::vector<float> x = normal_values(T * in, rng);
    std::vector<block_q8_K> act;
    quantize_q8_K_rows(x.data(), in, T, in, act);
    for (const auto& [W, isa] : variants(stored)) {
      std::vector<float> y(size_t(T * out)), alone(static_cast<size_t>(out));
      gemv_kquant_rows(act.data(), T, W, 0, out, y.data(), out, isa);
      for (int64_t t = 0; t < T; ++t) {
        gemv_kquant_rows(act.data() + t * (in / kQK_K), 1, W, 0, out, alone.data(), out, isa);
        for (int64_t r = 0; r < out; ++r)
          ASSERT_EQ(y[size_t(t * out + r)], alone[size_t(r)])
              << dtype_name(W.w.dtype) << " t " << t << " r " << r << " isa " << int(isa);
      }
    }
  }
}

// The MoE decode path: one quantisation of x shared by products of several formats.
TEST(GemvKquant, SharedQuantizedInputServesEveryFormat) {
  std::mt19937 rng(24);
  const int64_t in = 512, T = 3;
  const std::vector<float> x = normal_values(T * in, rng);
  QuantizedInput act;
  std::vector<WeightMatrix> mats = {test::random_kquant_matrix(DType::Q4_K, 20, in, rng),
                                    test::random_matrix(DType::Q8_0, 20, in, rng),
                                    test::random_kquant_matrix(DType::Q6_K, 20, in, rng),
                                    test::random_matrix(DType::BF16, 20, in, rng)};
  for (const WeightMatrix& W : mats) quantize_input(W, x.data(), in, T, act);
  for (const WeightMatrix& W : mats) {
    std::vector<float> y(size_t(T * 20)), want(y.size());
    gemv_rows_quantized(x.data(), in, act, T, W, 0, 20, y.data(), 20);
    gemv_rows(x.data(), in, T, W, 0, 20, want.data(), 20);
    EXPECT_EQ(y, want) << dtype_name(W.w.dtype);
  }
}

TEST(GemvKquant, VectorQ8KQuantiserMatchesScalar) {
  std::mt19937 rng(25);
  const int64_t in = 4 * kQK_K, T = 6;
  std::vector<float> x = normal_values(T * in, rng);
  for (int64_t i = 0; i < kQK_K; ++i) x[size_t(i)] = 0.0f;  // an all-zero block
  for (int64_t i = 0; i < kQK_K; ++i)                       // ties: iscale = 1, half-integers
    x[size_t(kQK_K + i)] = float(int(rng() % 255) - 127) + (i % 2 ? 0.5f : 0.0f);
  x[size_t(kQK_K)] = -127.0f;
  x[size_t(2 * kQK_K + 5)] = 40.0f;  // the largest magnitude twice: the first one counts
  x[size_t(2 * kQK_K + 9)] = -40.0f;
  std::vector<block_q8_K> got;
  quantize_q8_K_rows(x.data(), in, T, in, got);
  std::vector<block_q8_K> want(got.size());
  quantize_row_q8_K(x.data(), want.data(), T * in);
  ASSERT_EQ(got.size(), size_t(T * in / kQK_K));
  for (size_t b = 0; b < got.size(); ++b)
    ASSERT_EQ(std::memcmp(&got[b], &want[b], sizeof(block_q8_K)), 0) << "block " << b;
}

// More tokens than the decode path takes: linear() still multiplies them right.
TEST(GemvKquant, LinearAboveTheGemvTokens) {
  std::mt19937 rng(26);
  for (DType dtype : kTypes) {
    const int64_t out = 32, in = 512, T = kGemvMaxTokens + 5;
    const WeightMatrix stored = test::random_kquant_matrix(dtype, out, in, rng);
    const WeightMatrix W = to_decode_layout(stored);
    const std::vector<float> x = normal_values(T * in, rng);
    std::vector<float> y(size_t(T * out)), want(y.size());
    linear(x.data(), T, W, nullptr, y.data());
    gemv_reference(x.data(), T, stored, want.data());
    const Tensor w = to_f32(stored.w);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t r = 0; r < out; ++r) {
        double mag = 0;
        for (int64_t i = 0; i < in; ++i)
          mag += std::fabs(double(w.f32()[r * in + i]) * x[size_t(t * in + i)]);
        ASSERT_NEAR(y[size_t(t * out + r)], want[size_t(t * out + r)], 0.02 * mag)
            << dtype_name(dtype);
      }
  }
}

}  // namespace
}  // namespace r1
