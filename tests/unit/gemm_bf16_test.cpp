// gemm_bf16 against a scalar reference that rounds both operands to bf16 (f32_to_bf16, torch's
// rounding) and accumulates in double. Products of bf16 values are exact in f32, so the only
// error left is the f32 summation of K terms: the tolerance is the recursive-summation bound
// (K + 2) 2^-24 (sum_k |a_k b_k| + |beta c|), which a rounding or packing bug (errors near 2^-9)
// exceeds by orders of magnitude.
#include "kernels/cpu/gemm_bf16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "grad_test_util.h"
#include "kernels/cpu/linear.h"

namespace r1 {
namespace {

float round_bf16(float x) {
  return bf16_to_f32(f32_to_bf16(x));
}

struct Case {
  int64_t M, N, K;
  bool a_transposed, b_transposed;
  int64_t pad;  // extra row-stride elements of A, B and C
  float beta;
};

std::string describe(const Case& c) {
  return "M=" + std::to_string(c.M) + " N=" + std::to_string(c.N) + " K=" + std::to_string(c.K) +
         " At=" + std::to_string(c.a_transposed) + " Bt=" + std::to_string(c.b_transposed) +
         " pad=" + std::to_string(c.pad) + " beta=" + std::to_string(c.beta);
}

void check(const Case& c, Bf16Kernel kernel) {
  const int64_t a_rows = c.a_transposed ? c.K : c.M, a_cols = c.a_transposed ? c.M : c.K;
  const int64_t b_rows = c.b_transposed ? c.N : c.K, b_cols = c.b_transposed ? c.K : c.N;
  const int64_t lda = a_cols + c.pad, ldb = b_cols + c.pad, ldc = c.N + c.pad;
  const std::vector<float> a = test::random_floats(size_t(a_rows * lda), 11);
  const std::vector<float> b = test::random_floats(size_t(b_rows * ldb), 12);
  std::vector<float> out = test::random_floats(size_t(c.M * ldc), 13);
  if (c.beta == 0.0f) std::fill(out.begin(), out.end(), std::numeric_limits<float>::quiet_NaN());
  const std::vector<float> before = out;
  auto at_a = [&](int64_t m, int64_t k) {
    return c.a_transposed ? a[k * lda + m] : a[m * lda + k];
  };
  auto at_b = [&](int64_t k, int64_t n) {
    return c.b_transposed ? b[n * ldb + k] : b[k * ldb + n];
  };

  gemm_bf16({a.data(), lda, c.a_transposed}, {b.data(), ldb, c.b_transposed}, out.data(), ldc, c.M,
            c.N, c.K, c.beta, kernel);

  double worst = 0.0;  // error / tolerance
  for (int64_t m = 0; m < c.M; ++m) {
    for (int64_t n = 0; n < c.N; ++n) {
      double sum = 0.0, magnitude = 0.0;
      for (int64_t k = 0; k < c.K; ++k) {
        const double p = double(round_bf16(at_a(m, k))) * double(round_bf16(at_b(k, n)));
        sum += p;
        magnitude += std::fabs(p);
      }
      const double old = c.beta == 0.0f ? 0.0 : double(c.beta) * before[size_t(m * ldc + n)];
      const double tol =
          double(c.K + 2) * std::ldexp(1.0, -24) * (magnitude + std::fabs(old)) + 1e-30;
      worst = std::max(worst, std::fabs(double(out[size_t(m * ldc + n)]) - (sum + old)) / tol);
    }
  }
  EXPECT_LE(worst, 1.0) << describe(c);
  for (int64_t m = 0; m < c.M; ++m)  // the padding between rows of C is left alone
    for (int64_t n = c.N; n < ldc; ++n) {
      const size_t i = size_t(m * ldc + n);
      EXPECT_TRUE(std::isnan(before[i]) ? std::isnan(out[i]) : out[i] == before[i]) << describe(c);
    }
}

const Case kCases[] = {
    {1, 1, 1, false, true, 0, 0.0f},        // smallest
    {13, 33, 7, false, true, 0, 0.0f},      // row and column tails, odd K
    {12, 32, 2, false, false, 3, 1.0f},     // exactly one micro-tile, strides, accumulate
    {5, 70, 513, true, false, 1, 0.5f},     // several K blocks (odd), transposed A
    {37, 17, 300, true, true, 2, 1.0f},     // both transposed
    {200, 290, 300, false, true, 0, 0.0f},  // pool-parallel: several task tiles
    {257, 65, 129, true, false, 5, 1.0f},   // the dW shape (A = dy^T), parallel
    {64, 300, 96, false, false, 0, 1.0f},   // the dx shape (B = W), parallel
};

TEST(GemmBf16, MatchesTheRoundedReferenceNative) {
  std::printf("[ native   ] vdpbf16ps: %s\n", gemm_bf16_has_vdpbf16ps() ? "yes" : "no");
  for (const Case& c : kCases) check(c, Bf16Kernel::Native);
}

TEST(GemmBf16, MatchesTheRoundedReferencePortable) {
  for (const Case& c : kCases) check(c, Bf16Kernel::Portable);
}

// Values that bf16 (ulp 2^-7 at 1) cannot hold: 1 + 2^-9 rounds down to 1, the ties 1 + 2^-8 and
// 1 + 3 * 2^-8 go to the even neighbours 1 and 1 + 2^-6; truncation or rounding half up would
// give other sums.
TEST(GemmBf16, RoundsOperandsToNearestEven) {
  const int64_t K = 4;
  const std::vector<float> a = {1.0f + 0x1p-9f, 1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, 1.0f};
  const std::vector<float> b = {1.0f, 1.0f, 1.0f, 1.0f};  // [K, 1]
  for (Bf16Kernel kernel : {Bf16Kernel::Native, Bf16Kernel::Portable}) {
    float c = 0.0f;
    gemm_bf16({a.data(), K, false}, {b.data(), 1, false}, &c, 1, 1, 1, K, 0.0f, kernel);
    EXPECT_EQ(c, 4.0f + 0x1p-6f);
  }
}

TEST(GemmBf16, EmptySumScalesByBeta) {
  std::vector<float> c = {1.0f, 2.0f};
  gemm_bf16({nullptr, 0, false}, {nullptr, 0, false}, c.data(), 2, 1, 2, 0, 0.5f);
  EXPECT_EQ(c, (std::vector<float>{0.5f, 1.0f}));
}

// The same product as the f32 GEMM up to bf16's rounding of the operands (relative ~2^-9).
TEST(GemmBf16, IsCloseToTheF32Product) {
  const int64_t M = 48, N = 80, K = 256;
  const std::vector<float> a = test::random_floats(size_t(M * K), 21);
  const std::vector<float> b = test::random_floats(size_t(N * K), 22);
  std::vector<float> want(size_t(M * N)), got(size_t(M * N));
  gemm_f32(a.data(), b.data(), want.data(), M, N, K, /*b_transposed=*/true);
  gemm_bf16({a.data(), K, false}, {b.data(), K, true}, got.data(), N, M, N, K);
  const double err = test::max_relative_error(got, want);
  std::printf("[ vs f32   ] max relative error %.2e\n", err);
  EXPECT_LT(err, 2e-2);
  EXPECT_GT(err, 1e-4) << "the operands were not rounded to bf16";
}

}  // namespace
}  // namespace r1
