// target_logprobs against cross_entropy row by row, its backward against double finite
// differences of a weighted sum of log-probabilities; aliasing, zero rows, huge logits, bad ids.
#include "kernels/cpu/token_logprob.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "grad_test_util.h"
#include "kernels/cpu/loss.h"

namespace r1 {
namespace {

using test::random_floats;

// sum_t c[t] * log_softmax(x[t])[targets[t]] in double.
double weighted_logprobs(const std::vector<double>& x, const std::vector<int32_t>& targets,
                         const std::vector<float>& c, int64_t T, int64_t V) {
  double sum = 0.0;
  for (int64_t t = 0; t < T; ++t) {
    const double* row = x.data() + t * V;
    double mx = -INFINITY, s = 0.0;
    for (int64_t i = 0; i < V; ++i) mx = std::max(mx, row[i]);
    for (int64_t i = 0; i < V; ++i) s += std::exp(row[i] - mx);
    sum += double(c[size_t(t)]) * (row[targets[size_t(t)]] - mx - std::log(s));
  }
  return sum;
}

TEST(TargetLogprobs, EqualsMinusCrossEntropyPerRow) {
  const int64_t T = 6, V = 23;
  const auto logits = random_floats(size_t(T * V), 3, 3.0f);
  const std::vector<int32_t> targets = {0, 22, 5, 5, 11, 17};
  std::vector<float> logp(static_cast<size_t>(T)), scratch(static_cast<size_t>(V));
  std::vector<double> lse(static_cast<size_t>(T));
  target_logprobs(logits.data(), targets.data(), T, V, logp.data(), lse.data());
  double worst = 0.0;
  for (int64_t t = 0; t < T; ++t) {
    const CrossEntropyResult ce =
        cross_entropy(logits.data() + t * V, &targets[size_t(t)], nullptr, 1, V, scratch.data());
    worst = std::max(worst, std::fabs(double(logp[size_t(t)]) + ce.loss));
    EXPECT_NEAR(lse[size_t(t)], ce.loss + double(logits[size_t(t * V + targets[size_t(t)])]), 1e-9);
  }
  std::printf("[ logp      ] max |logp + cross-entropy| %.2e\n", worst);
  EXPECT_LE(worst, 1e-6);
}

TEST(TargetLogprobs, BackwardMatchesFiniteDifferences) {
  const int64_t T = 5, V = 9;
  const auto logits = random_floats(size_t(T * V), 4, 2.0f);
  const std::vector<int32_t> targets = {3, 0, 8, 8, 2};
  const std::vector<float> dlogp = {0.5f, -1.25f, 0.0f, 2.0f, -0.1f};
  std::vector<float> logp(static_cast<size_t>(T)),
      dlogits(logits.size(), 7.0f);  // overwritten, not added
  std::vector<double> lse(static_cast<size_t>(T));
  target_logprobs(logits.data(), targets.data(), T, V, logp.data(), lse.data());
  target_logprobs_backward(logits.data(), targets.data(), lse.data(), dlogp.data(), T, V,
                           dlogits.data());
  const double e = test::finite_difference_error(
      [&](const std::vector<double>& x) { return weighted_logprobs(x, targets, dlogp, T, V); },
      test::to_double(logits), dlogits);
  EXPECT_LE(e, test::kFiniteDiffRtol);
  for (int64_t i = 0; i < V; ++i) EXPECT_EQ(dlogits[size_t(2 * V + i)], 0.0f);  // dlogp == 0

  std::vector<float> aliased = logits;  // in place: the same numbers
  target_logprobs_backward(aliased.data(), targets.data(), lse.data(), dlogp.data(), T, V,
                           aliased.data());
  EXPECT_EQ(aliased, dlogits);
}

// Large enough for the thread pool; huge logits stay finite (max subtracted first).
TEST(TargetLogprobs, HugeLogitsAndManyRows) {
  const int64_t T = 64, V = 1024;
  auto logits = random_floats(size_t(T * V), 5, 1.0f);
  for (float& x : logits) x *= 1e4f;
  std::vector<int32_t> targets(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) targets[size_t(t)] = int32_t((t * 37) % V);
  std::vector<float> logp(static_cast<size_t>(T)), dlogp(static_cast<size_t>(T), 1.0f),
      dlogits(logits.size());
  std::vector<double> lse(static_cast<size_t>(T));
  target_logprobs(logits.data(), targets.data(), T, V, logp.data(), lse.data());
  target_logprobs_backward(logits.data(), targets.data(), lse.data(), dlogp.data(), T, V,
                           dlogits.data());
  for (float v : logp) ASSERT_TRUE(std::isfinite(v) && v <= 0.0f);
  for (int64_t t = 0; t < T; ++t) {
    double row_sum = 0.0;  // onehot - softmax sums to zero
    for (int64_t i = 0; i < V; ++i) row_sum += dlogits[size_t(t * V + i)];
    ASSERT_NEAR(row_sum, 0.0, 1e-5) << t;
  }
}

TEST(TargetLogprobs, RejectsTargetsOutsideTheVocabulary) {
  const std::vector<float> logits(6, 0.0f);
  std::vector<float> logp(2);
  std::vector<double> lse(2);
  for (int32_t bad : {-1, 3}) {
    const std::vector<int32_t> targets = {0, bad};
    EXPECT_THROW(target_logprobs(logits.data(), targets.data(), 2, 3, logp.data(), lse.data()),
                 Error);
  }
}

}  // namespace
}  // namespace r1
