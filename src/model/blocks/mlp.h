// Dense SwiGLU feed-forward block (dense layers, each MoE expert, the shared experts):
// y = down(silu(gate x) * up x), forward and backward.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/cpu/matmul.h"
#include "model/weights.h"

namespace r1 {

// What the backward reads, kept by a forward given a tape.
struct MlpTape {
  Tensor gate, up;  // [T, I] pre-activation projections
  Tensor hidden;    // [T, I] silu(gate) * up, the input of down
};

// x: [T, D] -> y: [T, D] (overwritten). tape: nullptr at inference.
void mlp_forward(const MlpWeights& w, const float* x, int64_t T, float* y, ComputeType compute,
                 MlpTape* tape = nullptr, Threads threads = Threads::Pool);

// Gradients of y given dy [T, D], ADDED into grads (the same MLP in the gradient tree) and
// dx [T, D].
void mlp_backward(const MlpWeights& w, const float* x, const MlpTape& tape, const float* dy,
                  int64_t T, const MlpWeights& grads, float* dx, ComputeType compute);

}  // namespace r1
