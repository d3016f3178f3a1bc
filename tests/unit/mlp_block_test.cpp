// The SwiGLU MLP block against double finite differences of a direct reference.
#include "model/blocks/mlp.h"

#include <gtest/gtest.h>

#include <cmath>

#include "block_train_util.h"
#include "grad_test_util.h"

namespace r1 {
namespace {

using test::random_floats;

// sum dy * down(silu(gate x) * up x) in double; w = [gate | up | down] weights.
double mlp_loss(const std::vector<double>& x, const std::vector<double>& w,
                const std::vector<float>& dy, int64_t T, int64_t D, int64_t I) {
  const double* gate = w.data();
  const double* up = gate + I * D;
  const double* down = up + I * D;
  double loss = 0.0;
  std::vector<double> h(static_cast<size_t>(I));
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < I; ++i) {
      double g = 0.0, u = 0.0;
      for (int64_t d = 0; d < D; ++d) {
        g += gate[i * D + d] * x[size_t(t * D + d)];
        u += up[i * D + d] * x[size_t(t * D + d)];
      }
      h[size_t(i)] = g / (1.0 + std::exp(-g)) * u;
    }
    for (int64_t d = 0; d < D; ++d) {
      double y = 0.0;
      for (int64_t i = 0; i < I; ++i) y += down[d * I + i] * h[size_t(i)];
      loss += y * dy[size_t(t * D + d)];
    }
  }
  return loss;
}

TEST(MlpBlock, BackwardMatchesFiniteDifferences) {
  const int64_t T = 3, D = 6, I = 5;
  std::vector<float> w = random_floats(size_t(3 * I * D), 1, 0.5f), gw(w.size());
  const auto x = random_floats(size_t(T * D), 2), dy = random_floats(size_t(T * D), 3);
  auto params = [&](float* base) {
    return MlpWeights{test::linear_f32(base, nullptr, I, D),
                      test::linear_f32(base + I * D, nullptr, I, D),
                      test::linear_f32(base + 2 * I * D, nullptr, D, I)};
  };
  MlpTape tape;
  std::vector<float> y(x.size()), dx(x.size());
  mlp_forward(params(w.data()), x.data(), T, y.data(), ComputeType::F32, &tape);
  mlp_backward(params(w.data()), x.data(), tape, dy.data(), T, params(gw.data()), dx.data(),
               ComputeType::F32);

  const auto xd = test::to_double(x), wd = test::to_double(w);
  EXPECT_NEAR(test::dot(test::to_double(y), dy), mlp_loss(xd, wd, dy, T, D, I), 1e-4);
  EXPECT_LE(test::finite_difference_error(
                [&](const std::vector<double>& v) { return mlp_loss(v, wd, dy, T, D, I); }, xd, dx),
            test::kFiniteDiffRtol);
  EXPECT_LE(test::finite_difference_error(
                [&](const std::vector<double>& v) { return mlp_loss(xd, v, dy, T, D, I); }, wd, gw),
            test::kFiniteDiffRtol);
}

}  // namespace
}  // namespace r1
