// cross_entropy against double finite differences of a scalar log-softmax loss and PyTorch,
// with and without a loss mask; all-masked input, bad targets, aliasing and huge logits.
#include "kernels/cpu/loss.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "grad_test_util.h"

namespace r1 {
namespace {

using test::random_floats;

double loss_ref(const std::vector<double>& logits, const std::vector<int32_t>& targets,
                const std::vector<uint8_t>& mask, int64_t T, int64_t V) {
  double sum = 0.0;
  int64_t count = 0;
  for (int64_t t = 0; t < T; ++t) {
    if (!mask[size_t(t)]) continue;
    const double* x = logits.data() + t * V;
    double mx = -INFINITY, s = 0.0;
    for (int64_t i = 0; i < V; ++i) mx = std::max(mx, x[i]);
    for (int64_t i = 0; i < V; ++i) s += std::exp(x[i] - mx);
    sum += mx + std::log(s) - x[targets[size_t(t)]];
    ++count;
  }
  return sum / double(count);
}

TEST(CrossEntropy, MatchesFiniteDifferencesWithMask) {
  const int64_t T = 5, V = 9;
  const auto logits = random_floats(size_t(T * V), 1, 2.0f);
  const std::vector<int32_t> targets = {3, -1, 0, 8, 2};  // position 1 is padding (masked)
  const std::vector<uint8_t> mask = {1, 0, 1, 1, 1};
  std::vector<float> dlogits(logits.size(), 7.0f);  // overwritten, not added to
  const CrossEntropyResult r =
      cross_entropy(logits.data(), targets.data(), mask.data(), T, V, dlogits.data());
  const auto xd = test::to_double(logits);
  EXPECT_EQ(r.tokens, 4);
  EXPECT_NEAR(r.loss, loss_ref(xd, targets, mask, T, V), 1e-6);
  const double e = test::finite_difference_error(
      [&](const std::vector<double>& x) { return loss_ref(x, targets, mask, T, V); }, xd, dlogits);
  EXPECT_LE(e, test::kFiniteDiffRtol);
  for (int64_t i = 0; i < V; ++i) EXPECT_EQ(dlogits[size_t(V + i)], 0.0f);
}

class CrossEntropyTorch : public ::testing::TestWithParam<const char*> {};

TEST_P(CrossEntropyTorch, MatchesPyTorch) {
  const test::GradCase c = test::load_grad_case(GetParam());
  const int64_t T = c.params.at("T"), V = c.params.at("V");
  const auto logits = c.f32("logits");
  const auto targets = c.i32("targets");
  std::vector<uint8_t> mask;
  for (int32_t m : c.i32("mask")) mask.push_back(uint8_t(m != 0));
  std::vector<float> dlogits(logits.size());
  const CrossEntropyResult r =
      cross_entropy(logits.data(), targets.data(), mask.data(), T, V, dlogits.data());
  const double expected = c.params.at("loss");
  EXPECT_LE(std::fabs(r.loss - expected) / expected, test::kTorchRtol);
  test::expect_close(c.name + " dlogits", dlogits, c.f32("dlogits"), test::kTorchRtol);
}

INSTANTIATE_TEST_SUITE_P(Cases, CrossEntropyTorch,
                         ::testing::Values("cross_entropy", "cross_entropy_masked"));

TEST(CrossEntropy, NoMaskCountsEveryTokenAndMayWriteInPlace) {
  const int64_t T = 40, V = 1000;  // T * V above the threading threshold
  const auto original = random_floats(size_t(T * V), 2, 3.0f);
  auto logits = original;
  std::vector<int32_t> targets(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) targets[size_t(t)] = int32_t((t * 37) % V);
  const std::vector<uint8_t> all(static_cast<size_t>(T), 1);
  std::vector<float> dlogits(logits.size());
  const CrossEntropyResult masked =
      cross_entropy(logits.data(), targets.data(), all.data(), T, V, dlogits.data());
  const CrossEntropyResult unmasked =
      cross_entropy(logits.data(), targets.data(), nullptr, T, V, logits.data());
  EXPECT_EQ(unmasked.tokens, T);
  EXPECT_EQ(unmasked.loss, masked.loss);
  EXPECT_EQ(logits, dlogits);
  EXPECT_NEAR(masked.loss, loss_ref(test::to_double(original), targets, all, T, V), 1e-6);
}

TEST(CrossEntropy, AllMaskedGivesZeroLossAndZeroGradient) {
  const int64_t T = 3, V = 4;
  const auto logits = random_floats(size_t(T * V), 3);
  const std::vector<int32_t> targets = {-1, 99, 2};  // masked targets are not read
  const std::vector<uint8_t> none(static_cast<size_t>(T), 0);
  std::vector<float> dlogits(logits.size(), 5.0f);
  const CrossEntropyResult r =
      cross_entropy(logits.data(), targets.data(), none.data(), T, V, dlogits.data());
  EXPECT_EQ(r.tokens, 0);
  EXPECT_EQ(r.loss, 0.0);
  for (float g : dlogits) EXPECT_EQ(g, 0.0f);
}

TEST(CrossEntropy, TargetOutsideVocabularyIsAnError) {
  const int64_t T = 2, V = 4;
  const auto logits = random_floats(size_t(T * V), 4);
  const std::vector<int32_t> targets = {1, 4};
  std::vector<float> dlogits(logits.size());
  try {
    cross_entropy(logits.data(), targets.data(), nullptr, T, V, dlogits.data());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "cross_entropy: target token id 4 at position 1 is outside the vocabulary [0, 4)");
  }
}

TEST(CrossEntropy, HugeLogitsStayFinite) {
  const int64_t T = 2, V = 3;
  const std::vector<float> logits = {1e4f, 1e4f - 1.0f, -1e4f, 5e3f, 5e3f, 5e3f};
  const std::vector<int32_t> targets = {1, 2};
  std::vector<float> dlogits(logits.size());
  const CrossEntropyResult r =
      cross_entropy(logits.data(), targets.data(), nullptr, T, V, dlogits.data());
  // row 0: log(1 + e^-1) + 1; row 1: log 3
  const double expected = (std::log1p(std::exp(-1.0)) + 1.0 + std::log(3.0)) / 2;
  EXPECT_NEAR(r.loss, expected, 1e-9);
  for (float g : dlogits) EXPECT_TRUE(std::isfinite(g));
  EXPECT_NEAR(dlogits[0], 0.5 / (1 + std::exp(-1.0)), 1e-7);
  EXPECT_NEAR(dlogits[5], 0.5 * (1.0 / 3 - 1), 1e-7);
}

}  // namespace
}  // namespace r1
