// Training forward/backward of the SwiGLU MLP (dense layers, routed and shared experts):
// y = down(silu(gate x) * up x), keeping what the backward needs.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/train_weights.h"

namespace r1 {

struct MlpActivations {
  Tensor gate, up;  // [T, inter] pre-activation projections
  Tensor hidden;    // [T, inter] silu(gate) * up, the input of down
};

// x: [T, D] -> y: [T, D] (overwritten).
void mlp_train_forward(const MlpParams& p, const float* x, int64_t T, MlpActivations& acts,
                       float* y);

// Gradients of y given dy [T, D], ADDED into grads (the same MLP in the gradient view) and
// dx [T, D].
void mlp_train_backward(const MlpParams& p, const float* x, const MlpActivations& acts,
                        const float* dy, int64_t T, const MlpParams& grads, float* dx);

}  // namespace r1
