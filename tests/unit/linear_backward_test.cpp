// linear_backward against double finite differences, PyTorch autograd and a direct double
// reference on a size that takes the threaded path; gradients are added, not overwritten.
#include "kernels/cpu/linear_backward.h"

#include <gtest/gtest.h>

#include <cmath>

#include "grad_test_util.h"

namespace r1 {
namespace {

using test::random_floats;

// sum_{t,o} dy[t,o] (x W^T + b)[t,o] in double.
double linear_loss(const std::vector<double>& x, const std::vector<double>& W,
                   const std::vector<double>& b, const std::vector<float>& dy, int64_t T,
                   int64_t in, int64_t out) {
  double loss = 0.0;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t o = 0; o < out; ++o) {
      double y = b[size_t(o)];
      for (int64_t i = 0; i < in; ++i) y += x[size_t(t * in + i)] * W[size_t(o * in + i)];
      loss += y * dy[size_t(t * out + o)];
    }
  return loss;
}

TEST(LinearBackward, MatchesFiniteDifferences) {
  const int64_t T = 4, in = 6, out = 5;
  const auto x = random_floats(size_t(T * in), 1), W = random_floats(size_t(out * in), 2),
             b = random_floats(size_t(out), 3), dy = random_floats(size_t(T * out), 4);
  std::vector<float> dx(x.size()), dW(W.size()), db(b.size());
  linear_backward(x.data(), W.data(), dy.data(), T, in, out, dx.data(), dW.data(), db.data());
  const auto xd = test::to_double(x), Wd = test::to_double(W), bd = test::to_double(b);
  const double ex = test::finite_difference_error(
      [&](const std::vector<double>& v) { return linear_loss(v, Wd, bd, dy, T, in, out); }, xd, dx);
  const double eW = test::finite_difference_error(
      [&](const std::vector<double>& v) { return linear_loss(xd, v, bd, dy, T, in, out); }, Wd, dW);
  const double eb = test::finite_difference_error(
      [&](const std::vector<double>& v) { return linear_loss(xd, Wd, v, dy, T, in, out); }, bd, db);
  EXPECT_LE(ex, test::kFiniteDiffRtol);
  EXPECT_LE(eW, test::kFiniteDiffRtol);
  EXPECT_LE(eb, test::kFiniteDiffRtol);
}

TEST(LinearBackward, MatchesPyTorch) {
  const test::GradCase c = test::load_grad_case("linear");
  const int64_t T = c.params.at("T"), in = c.params.at("n_in"), out = c.params.at("n_out");
  const auto x = c.f32("x"), W = c.f32("W"), dy = c.f32("dy");
  std::vector<float> dx(x.size()), dW(W.size()), db(static_cast<size_t>(out));
  linear_backward(x.data(), W.data(), dy.data(), T, in, out, dx.data(), dW.data(), db.data());
  test::expect_close(c.name + " dx", dx, c.f32("dx"), test::kTorchRtol);
  test::expect_close(c.name + " dW", dW, c.f32("dW"), test::kTorchRtol);
  test::expect_close(c.name + " db", db, c.f32("db"), test::kTorchRtol);
}

TEST(LinearBackward, AddsToGradientsAndSkipsNullOnes) {
  const int64_t T = 3, in = 4, out = 2;
  const auto x = random_floats(size_t(T * in), 5), W = random_floats(size_t(out * in), 6),
             dy = random_floats(size_t(T * out), 7);
  std::vector<float> dx(x.size()), dW(W.size()), db(static_cast<size_t>(out));
  linear_backward(x.data(), W.data(), dy.data(), T, in, out, dx.data(), dW.data(), db.data());
  const auto dx0 = random_floats(x.size(), 8), dW0 = random_floats(W.size(), 9),
             db0 = random_floats(db.size(), 10);
  std::vector<float> dx1 = dx0, dW1 = dW0, db1 = db0;
  linear_backward(x.data(), W.data(), dy.data(), T, in, out, dx1.data(), dW1.data(), db1.data());
  for (size_t i = 0; i < dx.size(); ++i) EXPECT_NEAR(dx1[i], dx0[i] + dx[i], 1e-5);
  for (size_t i = 0; i < dW.size(); ++i) EXPECT_NEAR(dW1[i], dW0[i] + dW[i], 1e-5);
  for (size_t i = 0; i < db.size(); ++i) EXPECT_NEAR(db1[i], db0[i] + db[i], 1e-5);

  std::vector<float> dW2(W.size());
  linear_backward(x.data(), W.data(), dy.data(), T, in, out, nullptr, dW2.data(), nullptr);
  EXPECT_EQ(dW2, dW);
}

TEST(LinearBackward, ThreadedSizeMatchesDoubleReference) {
  const int64_t T = 48, in = 136, out = 200;  // above the threading threshold, odd splits
  const auto x = random_floats(size_t(T * in), 11), W = random_floats(size_t(out * in), 12),
             dy = random_floats(size_t(T * out), 13);
  std::vector<float> dx(x.size()), dW(W.size()), db(static_cast<size_t>(out));
  linear_backward(x.data(), W.data(), dy.data(), T, in, out, dx.data(), dW.data(), db.data());
  std::vector<float> rdx(dx.size()), rdW(dW.size()), rdb(db.size());
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < in; ++i) {
      double s = 0.0;
      for (int64_t o = 0; o < out; ++o)
        s += double(dy[size_t(t * out + o)]) * W[size_t(o * in + i)];
      rdx[size_t(t * in + i)] = float(s);
    }
  for (int64_t o = 0; o < out; ++o) {
    double sb = 0.0;
    for (int64_t t = 0; t < T; ++t) sb += dy[size_t(t * out + o)];
    rdb[size_t(o)] = float(sb);
    for (int64_t i = 0; i < in; ++i) {
      double s = 0.0;
      for (int64_t t = 0; t < T; ++t) s += double(dy[size_t(t * out + o)]) * x[size_t(t * in + i)];
      rdW[size_t(o * in + i)] = float(s);
    }
  }
  EXPECT_LE(test::max_relative_error(dx, rdx), 1e-5);
  EXPECT_LE(test::max_relative_error(dW, rdW), 1e-5);
  EXPECT_LE(test::max_relative_error(db, rdb), 1e-6);
}

}  // namespace
}  // namespace r1
