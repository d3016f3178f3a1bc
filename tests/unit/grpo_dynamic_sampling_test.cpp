// DAPO's dynamic sampling (rl/dynamic_sampling.h) on scripted rounds of rewards: the batch is
// refilled with fresh groups until it holds --prompts groups with unequal rewards, stops at the
// round cap, and without dynamic sampling one round is trained on whole. Also the problem order
// read by position.
#include "rl/dynamic_sampling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "comm/local_comm.h"
#include "rl/problem_order.h"

namespace r1::rl {
namespace {

LocalComm world;  // one process

constexpr int64_t kGroups = 4, kG = 2;

// A sampler whose round r has groups with these rewards (a group of G equal rewards when the
// letter is 'e', unequal when 'd'); each rollout remembers its round and group in `group`.
RoundSampler scripted(const std::vector<std::string>& rounds, std::vector<int64_t>& asked) {
  return [&rounds, &asked](int64_t round) {
    asked.push_back(round);
    RoundRollouts out;
    const std::string& groups = rounds.at(size_t(round));
    for (size_t q = 0; q < groups.size(); ++q)
      for (int64_t i = 0; i < kG; ++i) {
        Rollout r;
        r.group = round * 100 + int64_t(q);
        out.rollouts.push_back(r);
        RewardBreakdown b;
        b.total = groups[q] == 'd' && i == 0 ? 1.0 : 0.0;
        out.rewards.push_back(b);
      }
    out.stats.generated_tokens = 10;
    return out;
  };
}

StepSamplingOptions dynamic_options() {
  StepSamplingOptions o;
  o.groups = kGroups;
  o.group_size = kG;
  o.dynamic = true;
  o.max_rounds = 3;
  return o;
}

TEST(GrpoDynamicSampling, RefillsUntilTheBatchHoldsEnoughGroupsWithUnequalRewards) {
  const std::vector<std::string> rounds = {"eded", "ddde", "dddd"};
  std::vector<int64_t> asked;
  const StepSample s = sample_step(world, dynamic_options(), scripted(rounds, asked));
  EXPECT_EQ(asked, (std::vector<int64_t>{0, 1}));  // full after the second round
  EXPECT_EQ(s.rounds, 2);
  EXPECT_EQ(s.groups_kept, kGroups);
  // Round 0's two unequal groups, then the first two of round 1.
  EXPECT_EQ(s.trained, (std::vector<uint8_t>{0, 1, 0, 1, 1, 1, 0, 0}));
  EXPECT_EQ(s.zero_std_groups, 3);
  ASSERT_EQ(s.rollouts.size(), size_t(2 * kGroups * kG));
  EXPECT_EQ(s.rollouts[8].group, 100);  // round 1's first group follows round 0's
  ASSERT_EQ(s.advantages.size(), s.rollouts.size());
  EXPECT_GT(s.advantages[2], 0.0);  // round 0, group 1: rewards 1, 0
  EXPECT_LT(s.advantages[3], 0.0);
  EXPECT_EQ(s.advantages[0], 0.0);  // an all-equal group
  EXPECT_EQ(s.stats.generated_tokens, 20);
}

TEST(GrpoDynamicSampling, StopsAtTheRoundCapWithTheGroupsItHas) {
  const std::vector<std::string> rounds = {"eeee", "deee", "eeee", "dddd"};
  std::vector<int64_t> asked;
  const StepSample s = sample_step(world, dynamic_options(), scripted(rounds, asked));
  EXPECT_EQ(asked, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(s.groups_kept, 1);
  EXPECT_EQ(s.zero_std_groups, 11);
  EXPECT_EQ(std::count(s.trained.begin(), s.trained.end(), uint8_t(1)), 1);
  EXPECT_EQ(s.trained[4], 1);
}

TEST(GrpoDynamicSampling, WithoutItOneRoundIsTrainedOnWhole) {
  const std::vector<std::string> rounds = {"eded", "dddd"};
  std::vector<int64_t> asked;
  StepSamplingOptions o = dynamic_options();
  o.dynamic = false;
  const StepSample s = sample_step(world, o, scripted(rounds, asked));
  EXPECT_EQ(asked, (std::vector<int64_t>{0}));
  EXPECT_EQ(s.groups_kept, kGroups);
  EXPECT_EQ(s.trained, (std::vector<uint8_t>(kGroups, 1)));
  EXPECT_EQ(s.zero_std_groups, 2);
}

// One round cap: DAPO's filter without refills (the batch is what is left of one round).
TEST(GrpoDynamicSampling, OneRoundOnlyFilters) {
  const std::vector<std::string> rounds = {"eded"};
  std::vector<int64_t> asked;
  StepSamplingOptions o = dynamic_options();
  o.max_rounds = 1;
  const StepSample s = sample_step(world, o, scripted(rounds, asked));
  EXPECT_EQ(s.rounds, 1);
  EXPECT_EQ(s.groups_kept, 2);
  EXPECT_EQ(s.trained, (std::vector<uint8_t>{0, 1, 0, 1}));
}

// Reading the order by position gives the same problems however it is split into reads, each
// pass a permutation of all problems.
TEST(GrpoProblemOrder, PositionsReadInPiecesEqualOneRead) {
  const std::vector<size_t> whole = problems_at(7, 0, 21, 5);
  std::vector<size_t> pieces;
  for (int64_t first = 0; first < 21; first += 4) {
    const std::vector<size_t> p = problems_at(7, first, std::min<int64_t>(4, 21 - first), 5);
    pieces.insert(pieces.end(), p.begin(), p.end());
  }
  EXPECT_EQ(pieces, whole);
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<size_t> seen(whole.begin() + pass * 7, whole.begin() + pass * 7 + 7);
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6}));
  }
  EXPECT_NE(std::vector<size_t>(whole.begin(), whole.begin() + 7),
            std::vector<size_t>(whole.begin() + 7, whole.begin() + 14));
  EXPECT_NE(problems_at(7, 0, 7, 6), std::vector<size_t>(whole.begin(), whole.begin() + 7));
}

}  // namespace
}  // namespace r1::rl
