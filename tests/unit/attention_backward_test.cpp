// attention_causal_backward (MHA, GQA, MQA, offset queries, strided q/k/v) against double finite
// differences of a scalar attention, PyTorch autograd, and accumulation into existing gradients.
#include "kernels/cpu/attention_backward.h"

#include <gtest/gtest.h>

#include <cmath>

#include "grad_test_util.h"
#include "kernels/cpu/attention.h"

namespace r1 {
namespace {

using test::random_floats;

// Strided shape: each token row of q, k and v padded by 3 floats.
AttentionShape strided_shape(int64_t T, int64_t S, int64_t H, int64_t Hk, int64_t dk, int64_t dv,
                             int64_t pos0) {
  return {T, S, H, Hk, dk, dv, pos0, H * dk + 3, Hk * dk + 3, Hk * dv + 3};
}

// out: [T, H, dv] in double from strided q, k, v.
std::vector<double> attention_ref(const std::vector<double>& q, const std::vector<double>& k,
                                  const std::vector<double>& v, const AttentionShape& s,
                                  double scale) {
  std::vector<double> out(static_cast<size_t>(s.T * s.H * s.dv), 0.0);
  const int64_t group = s.H / s.Hk;
  for (int64_t t = 0; t < s.T; ++t)
    for (int64_t h = 0; h < s.H; ++h) {
      const int64_t kh = h / group, visible = s.pos0 + t + 1;
      std::vector<double> p(static_cast<size_t>(visible));
      double mx = -INFINITY, sum = 0.0;
      for (int64_t j = 0; j < visible; ++j) {
        double d = 0.0;
        for (int64_t e = 0; e < s.dk; ++e)
          d += q[size_t(t * s.q_stride + h * s.dk + e)] * k[size_t(j * s.k_stride + kh * s.dk + e)];
        p[size_t(j)] = d * scale;
        mx = std::max(mx, p[size_t(j)]);
      }
      for (double& x : p) sum += (x = std::exp(x - mx));
      for (int64_t j = 0; j < visible; ++j)
        for (int64_t e = 0; e < s.dv; ++e)
          out[size_t((t * s.H + h) * s.dv + e)] +=
              p[size_t(j)] / sum * v[size_t(j * s.v_stride + kh * s.dv + e)];
    }
  return out;
}

struct AttentionGrads {
  std::vector<float> dq, dk, dv;
};

AttentionGrads run_backward(const std::vector<float>& q, const std::vector<float>& k,
                            const std::vector<float>& v, const std::vector<float>& dout,
                            const AttentionShape& s, float scale) {
  AttentionGrads g{std::vector<float>(q.size()), std::vector<float>(k.size()),
                   std::vector<float>(v.size())};
  attention_causal_backward(q.data(), k.data(), v.data(), dout.data(), g.dq.data(), g.dk.data(),
                            g.dv.data(), s, scale);
  return g;
}

void check_finite_differences(const AttentionShape& s, float scale, int64_t probes) {
  const auto q = random_floats(size_t(s.T * s.q_stride), 1),
             k = random_floats(size_t(s.S * s.k_stride), 2),
             v = random_floats(size_t(s.S * s.v_stride), 3),
             dout = random_floats(size_t(s.T * s.H * s.dv), 4);
  const auto qd = test::to_double(q), kd = test::to_double(k), vd = test::to_double(v);
  std::vector<float> out(dout.size());
  attention_causal(q.data(), k.data(), v.data(), out.data(), s, scale);
  const auto ref = attention_ref(qd, kd, vd, s, scale);
  EXPECT_LE(test::max_relative_error(out, std::vector<float>(ref.begin(), ref.end())), 1e-5);

  const AttentionGrads g = run_backward(q, k, v, dout, s, scale);
  const double eq = test::finite_difference_error(
      [&](const std::vector<double>& x) {
        return test::dot(attention_ref(x, kd, vd, s, scale), dout);
      },
      qd, g.dq, test::sample_indices(int64_t(q.size()), probes, 5));
  const double ek = test::finite_difference_error(
      [&](const std::vector<double>& x) {
        return test::dot(attention_ref(qd, x, vd, s, scale), dout);
      },
      kd, g.dk, test::sample_indices(int64_t(k.size()), probes, 6));
  const double ev = test::finite_difference_error(
      [&](const std::vector<double>& x) {
        return test::dot(attention_ref(qd, kd, x, s, scale), dout);
      },
      vd, g.dv, test::sample_indices(int64_t(v.size()), probes, 7));
  EXPECT_LE(eq, test::kFiniteDiffRtol) << "dq";
  EXPECT_LE(ek, test::kFiniteDiffRtol) << "dk";
  EXPECT_LE(ev, test::kFiniteDiffRtol) << "dv";
}

TEST(AttentionBackward, MhaMatchesFiniteDifferences) {
  check_finite_differences(strided_shape(5, 5, 3, 3, 4, 5, 0), 0.5f, 1000);
}

TEST(AttentionBackward, GqaWithOffsetMatchesFiniteDifferences) {
  // 4 queries at positions 3..6 of 8 keys, 2 query heads per kv head.
  check_finite_differences(strided_shape(4, 8, 4, 2, 8, 6, 3), 0.35f, 1000);
}

TEST(AttentionBackward, MqaMatchesFiniteDifferences) {
  check_finite_differences(strided_shape(6, 6, 4, 1, 6, 3, 0), 0.4f, 1000);
}

TEST(AttentionBackward, ThreadedSizeMatchesFiniteDifferences) {
  check_finite_differences(strided_shape(40, 40, 8, 2, 16, 16, 0), 0.25f, 30);
  check_finite_differences(strided_shape(40, 40, 6, 6, 16, 8, 0), 0.25f, 30);
}

TEST(AttentionBackward, KeysNoQuerySeesGetNoGradient) {
  const AttentionShape s = strided_shape(2, 6, 2, 1, 4, 4, 1);  // queries see keys 0..2 only
  const auto g = run_backward(random_floats(size_t(s.T * s.q_stride), 8),
                              random_floats(size_t(s.S * s.k_stride), 9),
                              random_floats(size_t(s.S * s.v_stride), 10),
                              random_floats(size_t(s.T * s.H * s.dv), 11), s, 0.5f);
  for (int64_t j = 0; j < s.S; ++j) {
    double dk_abs = 0.0, dv_abs = 0.0;
    for (int64_t e = 0; e < s.dk; ++e) dk_abs += std::fabs(g.dk[size_t(j * s.k_stride + e)]);
    for (int64_t e = 0; e < s.dv; ++e) dv_abs += std::fabs(g.dv[size_t(j * s.v_stride + e)]);
    if (j < s.pos0 + s.T) {
      EXPECT_GT(dk_abs, 0.0) << "key " << j;
      EXPECT_GT(dv_abs, 0.0) << "key " << j;
    } else {
      EXPECT_EQ(dk_abs, 0.0) << "key " << j;
      EXPECT_EQ(dv_abs, 0.0) << "key " << j;
    }
  }
}

TEST(AttentionBackward, AddsToGradientsWithoutTouchingPadding) {
  for (int64_t Hk : {4, 2}) {  // direct and per-head partial paths
    const AttentionShape s = strided_shape(3, 3, 4, Hk, 4, 4, 0);
    const auto q = random_floats(size_t(s.T * s.q_stride), 12),
               k = random_floats(size_t(s.S * s.k_stride), 13),
               v = random_floats(size_t(s.S * s.v_stride), 14),
               dout = random_floats(size_t(s.T * s.H * s.dv), 15);
    const AttentionGrads g = run_backward(q, k, v, dout, s, 0.5f);
    AttentionGrads g0{random_floats(q.size(), 16), random_floats(k.size(), 17),
                      random_floats(v.size(), 18)};
    AttentionGrads g1 = g0;
    attention_causal_backward(q.data(), k.data(), v.data(), dout.data(), g1.dq.data(), g1.dk.data(),
                              g1.dv.data(), s, 0.5f);
    for (size_t i = 0; i < q.size(); ++i) EXPECT_NEAR(g1.dq[i], g0.dq[i] + g.dq[i], 1e-5);
    for (size_t i = 0; i < k.size(); ++i) EXPECT_NEAR(g1.dk[i], g0.dk[i] + g.dk[i], 1e-5);
    for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(g1.dv[i], g0.dv[i] + g.dv[i], 1e-5);
    for (int64_t t = 0; t < s.T; ++t)  // the 3 padding floats of every row are left alone
      for (int64_t e = 0; e < 3; ++e) {
        EXPECT_EQ(g1.dq[size_t(t * s.q_stride + s.H * s.dk + e)],
                  g0.dq[size_t(t * s.q_stride + s.H * s.dk + e)]);
        EXPECT_EQ(g1.dk[size_t(t * s.k_stride + s.Hk * s.dk + e)],
                  g0.dk[size_t(t * s.k_stride + s.Hk * s.dk + e)]);
        EXPECT_EQ(g1.dv[size_t(t * s.v_stride + s.Hk * s.dv + e)],
                  g0.dv[size_t(t * s.v_stride + s.Hk * s.dv + e)]);
      }
  }
}

// Copies a contiguous [rows, width] array into rows of `stride` floats; the padding holds 1e3 so
// that a kernel reading it would show.
std::vector<float> with_stride(const std::vector<float>& a, int64_t rows, int64_t width,
                               int64_t stride) {
  std::vector<float> out(static_cast<size_t>(rows * stride), 1e3f);
  for (int64_t r = 0; r < rows; ++r)
    std::copy_n(a.begin() + r * width, width, out.begin() + r * stride);
  return out;
}

std::vector<float> without_stride(const std::vector<float>& a, int64_t rows, int64_t width,
                                  int64_t stride) {
  std::vector<float> out(static_cast<size_t>(rows * width));
  for (int64_t r = 0; r < rows; ++r)
    std::copy_n(a.begin() + r * stride, width, out.begin() + r * width);
  return out;
}

class AttentionBackwardTorch : public ::testing::TestWithParam<const char*> {};

TEST_P(AttentionBackwardTorch, MatchesPyTorch) {
  const test::GradCase c = test::load_grad_case(GetParam());
  const Json& p = c.params;
  const AttentionShape s = strided_shape(p.at("T"), p.at("S"), p.at("H"), p.at("Hk"), p.at("dk"),
                                         p.at("dv"), p.at("pos0"));
  const float scale = p.at("scale");
  const auto q = with_stride(c.f32("q"), s.T, s.H * s.dk, s.q_stride);
  const auto k = with_stride(c.f32("k"), s.S, s.Hk * s.dk, s.k_stride);
  const auto v = with_stride(c.f32("v"), s.S, s.Hk * s.dv, s.v_stride);
  const AttentionGrads g = run_backward(q, k, v, c.f32("dout"), s, scale);
  test::expect_close(c.name + " dq", without_stride(g.dq, s.T, s.H * s.dk, s.q_stride), c.f32("dq"),
                     test::kTorchRtol);
  test::expect_close(c.name + " dk", without_stride(g.dk, s.S, s.Hk * s.dk, s.k_stride),
                     c.f32("dk"), test::kTorchRtol);
  test::expect_close(c.name + " dv", without_stride(g.dv, s.S, s.Hk * s.dv, s.v_stride),
                     c.f32("dv"), test::kTorchRtol);
}

INSTANTIATE_TEST_SUITE_P(Cases, AttentionBackwardTorch,
                         ::testing::Values("attention_mha", "attention_gqa_offset",
                                           "attention_mqa"));

}  // namespace
}  // namespace r1
