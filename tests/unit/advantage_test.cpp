// group_advantages against the PyTorch definitions (tests/reference/grpo_losses.py) for GRPO,
// Dr. GRPO and RLOO, hand-checked small groups, and bad group sizes and rewards.
#include "rl/advantage.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "grpo_test_util.h"

namespace r1::rl {
namespace {

constexpr double kAdvRtol = 1e-6;  // max-normalised, the reference stored as float32

TEST(Advantage, MatchesPyTorchForEveryVariant) {
  const test::GradCase c = test::load_grpo_logit_cases();
  const std::vector<double> rewards = test::grpo_case_rewards(c);
  const int64_t G = c.params.at("G");
  for (const Json& v : c.params.at("variants")) {
    const std::string name = v.at("name");
    AdvantageOptions opt;
    opt.mode = advantage_mode_from_name(v.at("advantage"));
    const GroupAdvantages got = group_advantages(rewards, G, opt);
    const std::vector<float> want = c.f32(name + "_advantages");
    const std::vector<float> got_f(got.advantages.begin(), got.advantages.end());
    const double err = test::max_relative_error(got_f, want);
    std::printf("[ %-10s ] advantages max rel err %.2e (tolerance %.0e)\n", name.c_str(), err,
                kAdvRtol);
    EXPECT_LE(err, kAdvRtol) << name;
    EXPECT_EQ(got.keep, v.at("keep").get<std::vector<uint8_t>>()) << name;
    EXPECT_DOUBLE_EQ(got.zero_std_fraction, v.at("zero_std_fraction").get<double>()) << name;
  }
}

// G = 2: the unbiased std of {1, 0} is sqrt(1/2), so GRPO gives +-0.5 / (sqrt(1/2) + eps); RLOO
// compares each with the other one.
TEST(Advantage, HandCheckedPair) {
  const std::vector<double> rewards = {1.0, 0.0, 3.0, 3.0};
  const GroupAdvantages grpo = group_advantages(rewards, 2, {AdvantageMode::kGrpo, 1e-4});
  const double a = 0.5 / (std::sqrt(0.5) + 1e-4);
  EXPECT_NEAR(grpo.advantages[0], a, 1e-12);
  EXPECT_NEAR(grpo.advantages[1], -a, 1e-12);
  EXPECT_EQ(grpo.advantages[2], 0.0);
  EXPECT_EQ(grpo.advantages[3], 0.0);
  EXPECT_EQ(grpo.keep, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(grpo.zero_std_fraction, 0.5);
  const GroupAdvantages dr = group_advantages(rewards, 2, {AdvantageMode::kDrGrpo, 1e-4});
  EXPECT_EQ(dr.advantages, (std::vector<double>{0.5, -0.5, 0.0, 0.0}));
  const GroupAdvantages rloo = group_advantages(rewards, 2, {AdvantageMode::kRloo, 1e-4});
  EXPECT_EQ(rloo.advantages, (std::vector<double>{1.0, -1.0, 0.0, 0.0}));
}

// RLOO is G / (G - 1) times the mean-centred reward; all-equal groups give exact zeros even
// when their mean does not round back to the reward.
TEST(Advantage, RlooScalesDrGrpoAndEqualGroupsAreExactlyZero) {
  const std::vector<double> rewards = {0.1, 0.1, 0.1, 0.7, 0.2, 0.9, 0.0, 0.4};
  const GroupAdvantages dr = group_advantages(rewards, 4, {AdvantageMode::kDrGrpo, 0.0});
  const GroupAdvantages rloo = group_advantages(rewards, 4, {AdvantageMode::kRloo, 0.0});
  for (size_t i = 4; i < 8; ++i) EXPECT_NEAR(rloo.advantages[i], dr.advantages[i] * 4 / 3, 1e-12);
  const GroupAdvantages equal = group_advantages({0.1, 0.1, 0.1}, 3, {AdvantageMode::kGrpo, 0.0});
  EXPECT_EQ(equal.advantages, (std::vector<double>{0.0, 0.0, 0.0}));
  EXPECT_EQ(equal.zero_std_fraction, 1.0);
}

TEST(Advantage, RejectsBadGroupsAndRewards) {
  const AdvantageOptions opt;
  EXPECT_THROW(group_advantages({1.0, 0.0}, 1, opt), UsageError);
  EXPECT_THROW(group_advantages({1.0, 0.0, 1.0}, 2, opt), UsageError);
  EXPECT_THROW(group_advantages({}, 2, opt), UsageError);
  EXPECT_THROW(group_advantages({1.0, NAN}, 2, opt), UsageError);
  EXPECT_THROW(group_advantages({1.0, 0.0}, 2, {AdvantageMode::kGrpo, -1.0}), UsageError);
  EXPECT_THROW(advantage_mode_from_name("ppo"), UsageError);
  EXPECT_EQ(advantage_mode_from_name("dr_grpo"), AdvantageMode::kDrGrpo);
}

}  // namespace
}  // namespace r1::rl
