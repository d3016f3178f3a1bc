// Learning-rate schedules: linear warmup, then constant or cosine decay to a floor. The factor
// is what torch.optim.lr_scheduler.LambdaLR multiplies the base rate by (the PyTorch reference
// in tests/reference/make_optim_cases.py uses exactly lr_factor as its lambda).
#pragma once

#include <cstdint>
#include <string>

namespace r1 {

enum class LrDecay { Constant, Cosine };

struct LrSchedule {
  double lr = 3e-4;          // peak (base) rate
  int64_t warmup_steps = 0;  // linear warmup length
  int64_t total_steps = 0;   // the cosine reaches the floor here (and stays there)
  LrDecay decay = LrDecay::Cosine;
  double min_lr_ratio = 0.1;  // the floor, as a fraction of lr
};

// Multiplier of lr for optimizer step `step` (0-based: the first update is step 0):
//   step < warmup:  (step + 1) / warmup          (the first step already moves: 1/warmup)
//   Constant:       1
//   Cosine:         r + (1 - r) (1 + cos(pi p)) / 2,  p = min(1, (step - warmup) / (total -
//   warmup))
// with r = min_lr_ratio; total <= warmup means no decay phase (the floor right after warmup).
double lr_factor(const LrSchedule& s, int64_t step);
inline double lr_at(const LrSchedule& s, int64_t step) {
  return s.lr * lr_factor(s, step);
}

// "constant" / "cosine"; UsageError naming the value otherwise.
LrDecay parse_lr_decay(const std::string& name);
const char* lr_decay_name(LrDecay d);

}  // namespace r1
