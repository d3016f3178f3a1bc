// AdamW over a ParamLayout buffer, reproducing torch.optim.AdamW (amsgrad=False,
// maximize=False) operation for operation in f32, so a run matches PyTorch bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "model/param_layout.h"

namespace r1 {

struct AdamWConfig {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;  // decoupled; applied only to entries with weight_decay
};

// The moments of every parameter, in the parameter layout (same offsets).
struct AdamWState {
  Tensor exp_avg;     // m [layout.total()]
  Tensor exp_avg_sq;  // v [layout.total()]
  int64_t step = 0;   // optimizer steps taken (torch's state['step'])
};

AdamWState make_adamw_state(const ParamLayout& layout);  // zero moments, step 0

// One step at learning rate lr over every trainable entry (non-trainable entries are left
// untouched), on the default thread pool; increments state.step first, as torch does:
//   p *= 1 - lr wd                      (entries with weight_decay only)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g
//   p += (-lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// params, grads: [layout.total()].
void adamw_step(const std::vector<ParamEntry>& entries, const AdamWConfig& cfg, double lr,
                AdamWState& state, float* params, const float* grads);

}  // namespace r1
