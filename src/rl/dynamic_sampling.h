// A GRPO step's groups: one round of fresh groups, or DAPO's dynamic sampling (Yu et al. 2025,
// sec. 3.2), which keeps sampling rounds of fresh groups until the batch holds the wanted number
// of groups whose rewards are not all equal (an all-equal group has zero advantage and only
// dilutes the batch), up to a cap on the rounds.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "comm/comm.h"
#include "infer/generator.h"
#include "rl/advantage.h"
#include "rl/reward.h"
#include "rl/rollout.h"

namespace r1::rl {

// This rank's scored rollouts of one round.
struct RoundRollouts {
  std::vector<Rollout> rollouts;         // [groups * G], group-major
  std::vector<RewardBreakdown> rewards;  // [groups * G]
  GenerationStats stats;
};

// Samples and scores this rank's share of round r (r = 0, 1, ...), each round fresh problems.
using RoundSampler = std::function<RoundRollouts(int64_t round)>;

struct StepSamplingOptions {
  int64_t groups = 16;     // the step's batch over all ranks, and the groups of each round
  int64_t group_size = 8;  // G
  bool dynamic = false;    // DAPO: the batch takes only groups with unequal rewards, refilled
  int64_t max_rounds = 3;  // rounds a dynamic step samples at most (then trains on what it has)
  AdvantageOptions advantage;
};

struct StepSample {
  // This rank's rollouts of every round, round after round, group-major; their rewards and
  // advantages (each within its group).
  std::vector<Rollout> rollouts;
  std::vector<RewardBreakdown> rewards;
  std::vector<double> advantages;
  std::vector<uint8_t> trained;  // [this rank's groups] 1 where the group is in the step's batch
  int64_t zero_std_groups = 0;   // this rank's groups whose rewards are all equal
  GenerationStats stats;         // this rank's, summed over the rounds
  int64_t rounds = 0;            // rounds sampled: rounds * groups groups over all ranks
  int64_t groups_kept = 0;       // groups in the step's batch over all ranks (<= groups)
};

// Samples rounds until the batch is full (dynamic) or once. The batch takes the eligible groups
// (dynamic: unequal rewards; otherwise all) of round after round, within a round in rank order,
// until it holds opt.groups: the same groups whatever the number of ranks. UsageError as
// group_advantages for rewards it rejects.
StepSample sample_step(Comm& comm, const StepSamplingOptions& opt, const RoundSampler& round);

}  // namespace r1::rl
