// rope_backward for both layouts against double finite differences of a scalar RoPE, PyTorch
// autograd, and the identity backward(forward(x)) = mscale^2 x (the rotation is orthogonal).
#include "kernels/cpu/rope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "grad_test_util.h"
#include "kernels/cpu/rope.h"

namespace r1 {
namespace {

using test::random_floats;

struct RopeArgs {
  int64_t T = 3, H = 2, stride = 14, offset = 2, dim = 8, pos0 = 5;
  float mscale = 1.3f;
  RopeLayout layout = RopeLayout::Interleaved;
  int64_t size() const { return T * H * stride; }
};

std::vector<float> inv_freq_of(int64_t dim) {
  std::vector<float> f(static_cast<size_t>(dim / 2));
  for (int64_t i = 0; i < dim / 2; ++i) f[size_t(i)] = float(std::pow(10000.0, -2.0 * i / dim));
  return f;
}

// The rotated copy of x in double, from the same f32 angles the kernel uses.
std::vector<double> rope_ref(const std::vector<double>& x, const RopeArgs& a,
                             const std::vector<float>& inv_freq) {
  std::vector<double> y = x;
  const int64_t half = a.dim / 2;
  for (int64_t t = 0; t < a.T; ++t)
    for (int64_t h = 0; h < a.H; ++h)
      for (int64_t i = 0; i < half; ++i) {
        const double angle = float(a.pos0 + t) * inv_freq[size_t(i)];
        const double c = std::cos(angle) * a.mscale, s = std::sin(angle) * a.mscale;
        const int64_t base = (t * a.H + h) * a.stride + a.offset;
        const int64_t ia = a.layout == RopeLayout::Interleaved ? base + 2 * i : base + i;
        const int64_t ib = a.layout == RopeLayout::Interleaved ? base + 2 * i + 1 : base + i + half;
        y[size_t(ia)] = x[size_t(ia)] * c - x[size_t(ib)] * s;
        y[size_t(ib)] = x[size_t(ib)] * c + x[size_t(ia)] * s;
      }
  return y;
}

// Parameter: the case name of make_grad_cases.py, "rope_interleaved" or "rope_half".
class RopeBackward : public ::testing::TestWithParam<std::string> {
 protected:
  RopeLayout layout() const {
    return GetParam() == "rope_interleaved" ? RopeLayout::Interleaved : RopeLayout::HalfSplit;
  }
};

TEST_P(RopeBackward, MatchesFiniteDifferences) {
  RopeArgs a;
  a.layout = layout();
  const auto inv_freq = inv_freq_of(a.dim);
  const auto x = random_floats(size_t(a.size()), 1), dy = random_floats(size_t(a.size()), 2);
  std::vector<float> y = x;
  rope_apply(y.data(), a.T, a.H, a.stride, a.offset, a.dim, a.pos0, inv_freq.data(), a.mscale,
             a.layout);
  const auto xd = test::to_double(x), yref = rope_ref(xd, a, inv_freq);
  EXPECT_LE(test::max_relative_error(y, std::vector<float>(yref.begin(), yref.end())), 1e-6);

  std::vector<float> dx = dy;
  rope_backward(dx.data(), a.T, a.H, a.stride, a.offset, a.dim, a.pos0, inv_freq.data(), a.mscale,
                a.layout);
  const double e = test::finite_difference_error(
      [&](const std::vector<double>& v) { return test::dot(rope_ref(v, a, inv_freq), dy); }, xd,
      dx);
  EXPECT_LE(e, test::kFiniteDiffRtol);
}

TEST_P(RopeBackward, InvertsTheForwardRotation) {
  RopeArgs a;
  a.layout = layout();
  a.T = 9;
  a.pos0 = 1000;  // large angles
  const auto inv_freq = inv_freq_of(a.dim);
  const auto x = random_floats(size_t(a.size()), 3);
  std::vector<float> y = x;
  rope_apply(y.data(), a.T, a.H, a.stride, a.offset, a.dim, a.pos0, inv_freq.data(), a.mscale,
             a.layout);
  rope_backward(y.data(), a.T, a.H, a.stride, a.offset, a.dim, a.pos0, inv_freq.data(), a.mscale,
                a.layout);
  std::vector<float> expected = x;
  for (int64_t t = 0; t < a.T; ++t)
    for (int64_t h = 0; h < a.H; ++h)
      for (int64_t d = a.offset; d < a.offset + a.dim; ++d)
        expected[size_t((t * a.H + h) * a.stride + d)] *= a.mscale * a.mscale;
  EXPECT_LE(test::max_relative_error(y, expected), 1e-6);
}

TEST_P(RopeBackward, MatchesPyTorch) {
  const bool interleaved = layout() == RopeLayout::Interleaved;
  const test::GradCase c = test::load_grad_case(GetParam());
  const Json& p = c.params;
  ASSERT_EQ(p.at("layout"), interleaved ? "interleaved" : "half");
  const auto inv_freq = c.f32("inv_freq");
  std::vector<float> dx = c.f32("dy");
  rope_backward(dx.data(), p.at("T"), p.at("H"), p.at("stride"), p.at("offset"), p.at("dim"),
                p.at("pos0"), inv_freq.data(), p.at("mscale"), layout());
  test::expect_close(c.name + " dx", dx, c.f32("dx"), test::kTorchRtol);
}

INSTANTIATE_TEST_SUITE_P(Layouts, RopeBackward, ::testing::Values("rope_interleaved", "rope_half"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace r1
