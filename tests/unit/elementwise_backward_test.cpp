// RMSNorm, SwiGLU (silu_mul) and softmax backward against double finite differences of scalar
// references (which are first checked against the f32 forward kernels) and PyTorch autograd.
#include "kernels/cpu/elementwise_backward.h"

#include <gtest/gtest.h>

#include <cmath>

#include "grad_test_util.h"
#include "kernels/cpu/elementwise.h"

namespace r1 {
namespace {

using test::random_floats;

std::vector<double> rmsnorm_ref(const std::vector<double>& x, const std::vector<double>& w,
                                int64_t T, int64_t D, double eps) {
  std::vector<double> y(x.size());
  for (int64_t t = 0; t < T; ++t) {
    double ss = 0.0;
    for (int64_t i = 0; i < D; ++i) ss += x[size_t(t * D + i)] * x[size_t(t * D + i)];
    const double r = 1.0 / std::sqrt(ss / double(D) + eps);
    for (int64_t i = 0; i < D; ++i) y[size_t(t * D + i)] = x[size_t(t * D + i)] * r * w[size_t(i)];
  }
  return y;
}

std::vector<double> silu_mul_ref(const std::vector<double>& gate, const std::vector<double>& up) {
  std::vector<double> y(gate.size());
  for (size_t i = 0; i < y.size(); ++i) y[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
  return y;
}

std::vector<double> softmax_ref(const std::vector<double>& x, int64_t rows, int64_t n) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mx = -INFINITY, sum = 0.0;
    for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[size_t(r * n + i)]);
    for (int64_t i = 0; i < n; ++i) sum += std::exp(x[size_t(r * n + i)] - mx);
    for (int64_t i = 0; i < n; ++i)
      y[size_t(r * n + i)] = std::exp(x[size_t(r * n + i)] - mx) / sum;
  }
  return y;
}

// max |kernel - reference| / max |reference| of a forward output.
double forward_error(const std::vector<float>& kernel, const std::vector<double>& ref) {
  return test::max_relative_error(kernel, std::vector<float>(ref.begin(), ref.end()));
}

void check_rmsnorm_finite_differences(int64_t T, int64_t D, int64_t probes) {
  const float eps = 1e-6f;
  const auto x = random_floats(size_t(T * D), 1), w = random_floats(size_t(D), 2),
             dy = random_floats(size_t(T * D), 3);
  std::vector<float> y(x.size());
  rmsnorm(x.data(), w.data(), y.data(), T, D, eps);
  const auto xd = test::to_double(x), wd = test::to_double(w);
  EXPECT_LE(forward_error(y, rmsnorm_ref(xd, wd, T, D, eps)), 1e-6);

  std::vector<float> dx(x.size()), dw(w.size());
  rmsnorm_backward(x.data(), w.data(), dy.data(), dx.data(), dw.data(), T, D, eps);
  const double ex = test::finite_difference_error(
      [&](const std::vector<double>& v) { return test::dot(rmsnorm_ref(v, wd, T, D, eps), dy); },
      xd, dx, test::sample_indices(T * D, probes, 4));
  const double ew = test::finite_difference_error(
      [&](const std::vector<double>& v) { return test::dot(rmsnorm_ref(xd, v, T, D, eps), dy); },
      wd, dw, test::sample_indices(D, probes, 5));
  EXPECT_LE(ex, test::kFiniteDiffRtol) << "dx, T=" << T << " D=" << D;
  EXPECT_LE(ew, test::kFiniteDiffRtol) << "dw, T=" << T << " D=" << D;
}

TEST(RmsnormBackward, MatchesFiniteDifferences) {
  check_rmsnorm_finite_differences(3, 8, 1000);
}

TEST(RmsnormBackward, ThreadedSizeMatchesFiniteDifferences) {
  check_rmsnorm_finite_differences(40, 1000, 40);  // T * D above the threading threshold
}

TEST(RmsnormBackward, MatchesPyTorch) {
  const test::GradCase c = test::load_grad_case("rmsnorm");
  const int64_t T = c.params.at("T"), D = c.params.at("D");
  const float eps = c.params.at("eps");
  const auto x = c.f32("x"), w = c.f32("w"), dy = c.f32("dy");
  std::vector<float> dx(x.size()), dw(w.size());
  rmsnorm_backward(x.data(), w.data(), dy.data(), dx.data(), dw.data(), T, D, eps);
  test::expect_close(c.name + " dx", dx, c.f32("dx"), test::kTorchRtol);
  test::expect_close(c.name + " dw", dw, c.f32("dw"), test::kTorchRtol);
}

TEST(RmsnormBackward, AddsToGradients) {
  const int64_t T = 2, D = 5;
  const auto x = random_floats(size_t(T * D), 6), w = random_floats(size_t(D), 7),
             dy = random_floats(size_t(T * D), 8);
  std::vector<float> dx(x.size()), dw(w.size());
  rmsnorm_backward(x.data(), w.data(), dy.data(), dx.data(), dw.data(), T, D, 1e-6f);
  const auto dx0 = random_floats(dx.size(), 9), dw0 = random_floats(dw.size(), 10);
  std::vector<float> dx1 = dx0, dw1 = dw0;
  rmsnorm_backward(x.data(), w.data(), dy.data(), dx1.data(), dw1.data(), T, D, 1e-6f);
  for (size_t i = 0; i < dx.size(); ++i) EXPECT_NEAR(dx1[i], dx0[i] + dx[i], 1e-5);
  for (size_t i = 0; i < dw.size(); ++i) EXPECT_NEAR(dw1[i], dw0[i] + dw[i], 1e-5);
}

TEST(SiluMulBackward, MatchesFiniteDifferences) {
  const int64_t n = 50;
  const auto gate = random_floats(size_t(n), 11, 3.0f), up = random_floats(size_t(n), 12),
             dout = random_floats(size_t(n), 13);
  std::vector<float> out(size_t(n), 0.0f);
  silu_mul(gate.data(), up.data(), out.data(), n);
  const auto gd = test::to_double(gate), ud = test::to_double(up);
  EXPECT_LE(forward_error(out, silu_mul_ref(gd, ud)), 1e-6);

  std::vector<float> dgate(static_cast<size_t>(n)), dup(static_cast<size_t>(n));
  silu_mul_backward(gate.data(), up.data(), dout.data(), dgate.data(), dup.data(), n);
  const double eg = test::finite_difference_error(
      [&](const std::vector<double>& v) { return test::dot(silu_mul_ref(v, ud), dout); }, gd,
      dgate);
  const double eu = test::finite_difference_error(
      [&](const std::vector<double>& v) { return test::dot(silu_mul_ref(gd, v), dout); }, ud, dup);
  EXPECT_LE(eg, test::kFiniteDiffRtol);
  EXPECT_LE(eu, test::kFiniteDiffRtol);
}

TEST(SiluMulBackward, MatchesPyTorchAndAdds) {
  const test::GradCase c = test::load_grad_case("silu_mul");
  const int64_t n = c.params.at("n");
  const auto gate = c.f32("gate"), up = c.f32("up"), dout = c.f32("dout");
  std::vector<float> dgate(static_cast<size_t>(n)), dup(static_cast<size_t>(n));
  silu_mul_backward(gate.data(), up.data(), dout.data(), dgate.data(), dup.data(), n);
  test::expect_close(c.name + " dgate", dgate, c.f32("dgate"), test::kTorchRtol);
  test::expect_close(c.name + " dup", dup, c.f32("dup"), test::kTorchRtol);

  std::vector<float> dgate2 = dgate, dup2 = dup;
  silu_mul_backward(gate.data(), up.data(), dout.data(), dgate2.data(), dup2.data(), n);
  for (size_t i = 0; i < dgate.size(); ++i) {
    EXPECT_FLOAT_EQ(dgate2[i], 2 * dgate[i]);
    EXPECT_FLOAT_EQ(dup2[i], 2 * dup[i]);
  }
}

TEST(SoftmaxBackward, MatchesFiniteDifferences) {
  const int64_t rows = 4, n = 7;
  const auto x = random_floats(size_t(rows * n), 14, 2.0f),
             dy = random_floats(size_t(rows * n), 15);
  std::vector<float> y = x;
  for (int64_t r = 0; r < rows; ++r) softmax_inplace(y.data() + r * n, n);
  const auto xd = test::to_double(x);
  EXPECT_LE(forward_error(y, softmax_ref(xd, rows, n)), 1e-6);

  std::vector<float> dx(x.size());
  softmax_backward(y.data(), dy.data(), dx.data(), rows, n);
  const double e = test::finite_difference_error(
      [&](const std::vector<double>& v) { return test::dot(softmax_ref(v, rows, n), dy); }, xd, dx);
  EXPECT_LE(e, test::kFiniteDiffRtol);
}

TEST(SoftmaxBackward, MatchesPyTorchAndAdds) {
  const test::GradCase c = test::load_grad_case("softmax");
  const int64_t rows = c.params.at("rows"), n = c.params.at("n");
  std::vector<float> y = c.f32("x");
  for (int64_t r = 0; r < rows; ++r) softmax_inplace(y.data() + r * n, n);
  const auto dy = c.f32("dy");
  std::vector<float> dx(y.size());
  softmax_backward(y.data(), dy.data(), dx.data(), rows, n);
  test::expect_close(c.name + " dx", dx, c.f32("dx"), test::kTorchRtol);

  std::vector<float> dx2 = dx;
  softmax_backward(y.data(), dy.data(), dx2.data(), rows, n);
  for (size_t i = 0; i < dx.size(); ++i) EXPECT_FLOAT_EQ(dx2[i], 2 * dx[i]);
}

}  // namespace
}  // namespace r1
