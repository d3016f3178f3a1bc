// Training forward/backward of one decoder layer, h = x + attn(rmsnorm(x)),
// y = h + mlp(rmsnorm(h)): the unit model_train_step lists once per layer (and the MTP module
// reuses). The attention and the MLP each go through one dispatch point per architecture.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/config.h"
#include "model/gqa_train.h"
#include "model/mlp_train.h"
#include "model/rope_freqs.h"
#include "model/train_weights.h"

namespace r1 {

// What one layer keeps for its backward; one per layer, so that a later recomputation scheme
// can drop and rebuild a layer's activations without touching the others.
struct BlockActivations {
  Tensor attn_in;      // [N, D] rmsnorm(x), the attention input
  GqaActivations gqa;  // Qwen2 / Llama attention
  Tensor h;            // [N, D] x + attention(attn_in)
  Tensor mlp_in;       // [N, D] rmsnorm(h), the MLP input
  MlpActivations mlp;  // dense SwiGLU MLP
};

// x, y: [B * T, D], B independent sequences of T rows at positions 0..T-1; y overwritten.
// rope: the config's rotary table (rope_freqs over the rotated head dim).
void block_train_forward(const ModelConfig& c, const BlockParams& p, const RopeFreqs& rope,
                         const float* x, int64_t B, int64_t T, BlockActivations& acts, float* y);

// Gradients given dy [B * T, D], ADDED into grads (the same layer in the gradient view) and
// dx [B * T, D].
void block_train_backward(const ModelConfig& c, const BlockParams& p, const RopeFreqs& rope,
                          const float* x, const BlockActivations& acts, const float* dy,
                          int64_t B, int64_t T, const BlockParams& grads, float* dx);

}  // namespace r1
