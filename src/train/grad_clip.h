// Gradient clipping by global L2 norm with torch.nn.utils.clip_grad_norm_ semantics.
#pragma once

#include <vector>

#include "model/param_layout.h"

namespace r1 {

// The L2 norm over the gradients of every trainable entry (accumulated in double).
double grad_norm(const std::vector<ParamEntry>& entries, const float* grads);

// Returns the pre-clip norm; when max_norm > 0 and clip = max_norm / (norm + 1e-6) < 1, scales
// every trainable gradient by clip (as torch does, also when norm is a hair below max_norm).
// max_norm <= 0: no clipping. grads: [layout.total()].
double clip_grad_norm(const std::vector<ParamEntry>& entries, float* grads, double max_norm);

}  // namespace r1
