// Warmup + constant/cosine learning-rate factor, in double as Python computes it.
#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace r1 {

double lr_factor(const LrSchedule& s, int64_t step) {
  if (step < s.warmup_steps) return double(step + 1) / double(s.warmup_steps);
  if (s.decay == LrDecay::Constant) return 1.0;
  const int64_t span = s.total_steps - s.warmup_steps;
  const double progress =
      span <= 0 ? 1.0 : std::min(1.0, double(step - s.warmup_steps) / double(span));
  const double r = s.min_lr_ratio;
  return r + (1.0 - r) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

LrDecay parse_lr_decay(const std::string& name) {
  if (name == "constant") return LrDecay::Constant;
  if (name == "cosine") return LrDecay::Cosine;
  throw UsageError("--schedule: unknown schedule " + quote_untrusted(name) +
                   ", expected constant or cosine");
}

const char* lr_decay_name(LrDecay d) {
  return d == LrDecay::Constant ? "constant" : "cosine";
}

}  // namespace r1
