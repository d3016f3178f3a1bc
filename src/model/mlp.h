// Dense SwiGLU feed-forward block (also each MoE expert).
#pragma once

#include <cstdint>

#include "kernels/cpu/linear.h"
#include "model/weights.h"

namespace r1 {

// x: [T, D] -> y: [T, D]  (y = down(silu(gate x) * up x))
void mlp_forward(const MlpWeights& w, const float* x, int64_t T, float* y,
                 Threads threads = Threads::Pool);

}  // namespace r1
