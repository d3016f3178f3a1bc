// CPU kernels against plain double-precision references: linear in every weight dtype,
// causal GQA attention with an offset, RMSNorm, and the two RoPE layouts.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/attention.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/rope.h"

namespace r1 {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(Kernels, LinearEveryDtypeMatchesDoubleReference) {
  const int64_t T = 5, in = 300, out = 700;  // several panels and partial fp8 blocks
  const std::vector<float> x = random_vector(size_t(T * in), 1),
                           bias = random_vector(size_t(out), 2);
  Tensor w32 = Tensor::zeros(DType::F32, {out, in});
  const std::vector<float> w = random_vector(size_t(out * in), 3);
  std::copy(w.begin(), w.end(), w32.f32());
  for (DType dt : {DType::F32, DType::BF16, DType::F16}) {
    WeightMatrix m;
    m.w = dt == DType::F32 ? w32 : cast_from_f32(w32, dt);
    const Tensor deq = to_f32(m.w);  // the exact values the kernel must use
    std::vector<float> y(size_t(T * out));
    linear(x.data(), T, m, bias.data(), y.data());
    double max_err = 0.0;
    for (int64_t t = 0; t < T; ++t)
      for (int64_t o = 0; o < out; ++o) {
        double ref = bias[size_t(o)];
        for (int64_t i = 0; i < in; ++i)
          ref += double(x[size_t(t * in + i)]) * deq.f32()[o * in + i];
        max_err = std::max(max_err, std::fabs(ref - y[size_t(t * out + o)]));
      }
    EXPECT_LT(max_err, 1e-3) << dtype_name(dt);
  }
}

TEST(Kernels, CausalGqaAttentionWithOffsetMatchesReference) {
  const AttentionShape s{3, 7, 4, 2, 8, 6, 4, 4 * 8, 2 * 8, 2 * 6};  // 3 queries at positions 4..6
  const std::vector<float> q = random_vector(size_t(s.T * s.q_stride), 4),
                           k = random_vector(size_t(s.S * s.k_stride), 5),
                           v = random_vector(size_t(s.S * s.v_stride), 6);
  std::vector<float> out(size_t(s.T * s.H * s.dv));
  attention_causal(q.data(), k.data(), v.data(), out.data(), s, 0.3f);
  for (int64_t t = 0; t < s.T; ++t)
    for (int64_t h = 0; h < s.H; ++h) {
      const int64_t kh = h / (s.H / s.Hk), visible = s.pos0 + t + 1;
      std::vector<double> p(static_cast<size_t>(visible));
      double mx = -1e300, sum = 0.0;
      for (int64_t j = 0; j < visible; ++j) {
        double dot = 0.0;
        for (int64_t d = 0; d < s.dk; ++d)
          dot += double(q[size_t(t * s.q_stride + h * s.dk + d)]) *
                 k[size_t(j * s.k_stride + kh * s.dk + d)];
        p[size_t(j)] = dot * 0.3;
        mx = std::max(mx, p[size_t(j)]);
      }
      for (double& e : p) sum += (e = std::exp(e - mx));
      for (int64_t d = 0; d < s.dv; ++d) {
        double ref = 0.0;
        for (int64_t j = 0; j < visible; ++j)
          ref += p[size_t(j)] / sum * v[size_t(j * s.v_stride + kh * s.dv + d)];
        EXPECT_NEAR(out[size_t((t * s.H + h) * s.dv + d)], ref, 1e-5);
      }
    }
}

TEST(Kernels, RmsNormMatchesReference) {
  const int64_t T = 3, D = 37;
  const std::vector<float> x = random_vector(size_t(T * D), 7), w = random_vector(size_t(D), 8);
  std::vector<float> y(size_t(T * D));
  rmsnorm(x.data(), w.data(), y.data(), T, D, 1e-6f);
  for (int64_t t = 0; t < T; ++t) {
    double ss = 0.0;
    for (int64_t i = 0; i < D; ++i) ss += double(x[size_t(t * D + i)]) * x[size_t(t * D + i)];
    const double inv = 1.0 / std::sqrt(ss / double(D) + 1e-6);
    for (int64_t i = 0; i < D; ++i)
      EXPECT_NEAR(y[size_t(t * D + i)], x[size_t(t * D + i)] * inv * w[size_t(i)], 1e-5);
  }
}

TEST(Kernels, RopeLayoutsGiveTheSameDotProducts) {
  // Interleaved pairs (2i, 2i+1) and half-split pairs (i, i + d/2) are the same rotation up to
  // a permutation of dimensions, so q.k after RoPE must agree, and depend only on the distance.
  const int64_t d = 16;
  const std::vector<float> inv_freq = {1.0f, 0.5f, 0.25f, 0.125f, 0.06f, 0.03f, 0.01f, 0.001f};
  const std::vector<float> a = random_vector(size_t(d), 9), b = random_vector(size_t(d), 10);
  auto rotated_dot = [&](RopeLayout layout, int64_t pa, int64_t pb) {
    std::vector<float> x = a, y = b;
    if (layout == RopeLayout::HalfSplit)  // same pairs, half-split order
      for (int64_t i = 0; i < d / 2; ++i) {
        x[size_t(i)] = a[size_t(2 * i)], x[size_t(i + d / 2)] = a[size_t(2 * i + 1)];
        y[size_t(i)] = b[size_t(2 * i)], y[size_t(i + d / 2)] = b[size_t(2 * i + 1)];
      }
    rope_apply(x.data(), 1, 1, d, 0, d, pa, inv_freq.data(), 1.0f, layout);
    rope_apply(y.data(), 1, 1, d, 0, d, pb, inv_freq.data(), 1.0f, layout);
    double dot = 0.0;
    for (int64_t i = 0; i < d; ++i) dot += double(x[size_t(i)]) * y[size_t(i)];
    return dot;
  };
  EXPECT_NEAR(rotated_dot(RopeLayout::Interleaved, 7, 3), rotated_dot(RopeLayout::HalfSplit, 7, 3),
              1e-4);
  EXPECT_NEAR(rotated_dot(RopeLayout::Interleaved, 7, 3),
              rotated_dot(RopeLayout::Interleaved, 11, 7), 1e-4);
}

}  // namespace
}  // namespace r1
