// Group-relative advantages of GRPO and its variants from the rewards of G samples per prompt,
// and the group statistics that DAPO's dynamic sampling and the step metrics read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace r1::rl {

enum class AdvantageMode {
  kGrpo,    // (r - mean) / (std + eps), std unbiased (DeepSeekMath; TRL and verl: torch.std)
  kDrGrpo,  // r - mean (Dr. GRPO: no std scaling)
  kRloo,    // r_i - mean of the other G - 1 rewards (RLOO's leave-one-out baseline)
};

// "grpo", "dr_grpo" or "rloo"; UsageError naming the value and the choices otherwise.
AdvantageMode advantage_mode_from_name(const std::string& name);

struct AdvantageOptions {
  AdvantageMode mode = AdvantageMode::kGrpo;
  double eps = 1e-4;  // GRPO's std guard (TRL's GRPOTrainer value; verl uses 1e-6)
};

struct GroupAdvantages {
  std::vector<double> advantages;  // [groups * G], one per sample, in the rewards' order
  // [groups]: 1 where the group's rewards are not all equal. DAPO's dynamic sampling keeps
  // exactly these groups: an all-equal group has zero advantage and only dilutes the batch.
  std::vector<uint8_t> keep;
  double zero_std_fraction = 0.0;  // fraction of groups whose rewards are all equal
};

// rewards: [groups * G], the G samples of each prompt next to each other. UsageError when G < 2,
// when the count is not a positive multiple of G, or for a non-finite reward (naming its index).
// Means and stds are taken in double.
GroupAdvantages group_advantages(const std::vector<double>& rewards, int64_t G,
                                 const AdvantageOptions& opt);

}  // namespace r1::rl
