// Per group: mean, unbiased std (Bessel's G - 1, as torch.std by default) and the baseline of
// the chosen mode. An all-equal group gives exactly zero advantages in every mode.
#include "rl/advantage.h"

#include <cmath>

#include "core/error.h"

namespace r1::rl {

AdvantageMode advantage_mode_from_name(const std::string& name) {
  if (name == "grpo") return AdvantageMode::kGrpo;
  if (name == "dr_grpo") return AdvantageMode::kDrGrpo;
  if (name == "rloo") return AdvantageMode::kRloo;
  throw UsageError("advantage mode '" + name + "' is unknown; expected grpo, dr_grpo or rloo");
}

namespace {

void check_rewards(const std::vector<double>& rewards, int64_t G) {
  if (G < 2)
    throw UsageError("group size G = " + std::to_string(G) +
                     ", expected at least 2 samples per prompt (the baseline is the group's)");
  const int64_t n = int64_t(rewards.size());
  if (n == 0 || n % G != 0)
    throw UsageError(std::to_string(n) + " rewards, expected a positive multiple of the group " +
                     "size G = " + std::to_string(G));
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(rewards[size_t(i)]))
      throw UsageError("reward " + std::to_string(i) + " is " + std::to_string(rewards[size_t(i)]) +
                       ", expected a finite number");
}

}  // namespace

GroupAdvantages group_advantages(const std::vector<double>& rewards, int64_t G,
                                 const AdvantageOptions& opt) {
  check_rewards(rewards, G);
  if (!(opt.eps >= 0.0) || !std::isfinite(opt.eps))
    throw UsageError("advantage eps = " + std::to_string(opt.eps) +
                     ", expected a finite value >= 0");
  const int64_t groups = int64_t(rewards.size()) / G;
  GroupAdvantages out;
  out.advantages.resize(rewards.size());
  out.keep.resize(size_t(groups));
  int64_t zero_std = 0;
  for (int64_t g = 0; g < groups; ++g) {
    const double* r = rewards.data() + g * G;   // [G]
    double* a = out.advantages.data() + g * G;  // [G]
    double sum = 0.0;
    bool all_equal = true;
    for (int64_t i = 0; i < G; ++i) {
      sum += r[i];
      all_equal = all_equal && r[i] == r[0];
    }
    const double mean = sum / double(G);
    double squares = 0.0;
    for (int64_t i = 0; i < G; ++i) squares += (r[i] - mean) * (r[i] - mean);
    const double std_unbiased = std::sqrt(squares / double(G - 1));
    for (int64_t i = 0; i < G; ++i) {
      switch (opt.mode) {
        case AdvantageMode::kGrpo:
          a[i] = (r[i] - mean) / (std_unbiased + opt.eps);
          break;
        case AdvantageMode::kDrGrpo:
          a[i] = r[i] - mean;
          break;
        case AdvantageMode::kRloo:
          a[i] = r[i] - (sum - r[i]) / double(G - 1);
          break;
      }
      if (all_equal) a[i] = 0.0;  // rounding of the mean must not leave a tiny advantage
    }
    out.keep[size_t(g)] = all_equal ? 0 : 1;
    zero_std += all_equal ? 1 : 0;
  }
  out.zero_std_fraction = double(zero_std) / double(groups);
  return out;
}

}  // namespace r1::rl
