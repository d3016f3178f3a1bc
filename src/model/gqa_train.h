// Training forward/backward of grouped-query attention (Qwen2, Llama): q/k/v projections with
// optional biases, rotate_half RoPE, causal softmax attention per sequence, o_proj.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/config.h"
#include "model/rope_freqs.h"
#include "model/train_weights.h"

namespace r1 {

struct GqaActivations {
  Tensor q;     // [N, H, hd] after RoPE
  Tensor k;     // [N, Hk, hd] after RoPE
  Tensor v;     // [N, Hk, hd]
  Tensor attn;  // [N, H * hd] attention output, the input of o_proj
};

// x: [B * T, D] (already normalised): B independent sequences of T rows, each at positions
// 0..T-1. y: [B * T, D] (overwritten). rope: rope_freqs(c.rope, c.head_dim).
void gqa_train_forward(const ModelConfig& c, const GqaParams& p, const RopeFreqs& rope,
                       const float* x, int64_t B, int64_t T, GqaActivations& acts, float* y);

// Gradients of y given dy [B * T, D], ADDED into grads (the same attention in the gradient
// view) and dx [B * T, D].
void gqa_train_backward(const ModelConfig& c, const GqaParams& p, const RopeFreqs& rope,
                        const float* x, const GqaActivations& acts, const float* dy, int64_t B,
                        int64_t T, const GqaParams& grads, float* dx);

}  // namespace r1
