// Grouped-query attention of the dense models (Qwen2 with q/k/v bias, Llama): projections,
// rotate_half RoPE on q and k, causal softmax attention per sequence, o_proj; and its backward.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/cpu/matmul.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/rope_freqs.h"
#include "model/weights.h"

namespace r1 {

// What the backward reads, kept by a forward given a tape.
struct GqaTape {
  Tensor q;     // [N, H, hd] after RoPE
  Tensor k;     // [N, Hk, hd] after RoPE
  Tensor v;     // [N, Hk, hd]
  Tensor attn;  // [N, H * hd] attention output, the input of o_proj
};

// x: [N, D] (already normalised) -> out: [N, D]; the rows are the sequences of `spans`. A span
// with a cache appends its keys and values to layer `layer` of it and attends to rows
// 0..pos0+rows-1; a span without one attends within itself (pos0 must be 0). A tape (training)
// needs spans without caches.
void gqa_forward(const ModelConfig& c, const GqaWeights& w, const RopeFreqs& rope, const float* x,
                 int64_t N, const SeqSpans& spans, int64_t layer, float* out, ComputeType compute,
                 GqaTape* tape = nullptr);

// Gradients of out given dy [N, D], ADDED into grads (the same attention in the gradient tree)
// and dx [N, D].
void gqa_backward(const ModelConfig& c, const GqaWeights& w, const RopeFreqs& rope, const float* x,
                  const GqaTape& tape, const float* dy, int64_t N, const SeqSpans& spans,
                  const GqaWeights& grads, float* dx, ComputeType compute);

}  // namespace r1
