// One pre-norm decoder layer: x += attn(norm(x)); x += ffn(norm(x)). MLA or GQA attention by
// architecture, MoE or dense SwiGLU by layer; forward and backward.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/cpu/matmul.h"
#include "model/batch.h"
#include "model/blocks/gqa.h"
#include "model/blocks/mla.h"
#include "model/blocks/mlp.h"
#include "model/blocks/moe.h"
#include "model/config.h"
#include "model/rope_freqs.h"
#include "model/weights.h"

namespace r1 {

// What the backward reads, kept by a forward given a tape.
struct BlockTape {
  Tensor attn_in;  // [T, D] rmsnorm(x, attn_norm)
  Tensor h;        // [T, D] x + attention
  Tensor ffn_in;   // [T, D] rmsnorm(h, mlp_norm)
  MlaTape mla;     // DeepSeek
  GqaTape gqa;     // Qwen2, Llama
  MlpTape mlp;     // dense layers
  MoeTape moe;     // MoE layers; moe.load is the layer's per-expert load for the bias update
  double balance_loss = 0.0;  // MoE layers with balance_alpha > 0: alpha * mean sequence loss
  Tensor
      balance_dscores;  // [T, E] its gradient on the routing scores (undefined when not computed)
};

// x: [N, D], updated in place; the rows are the sequences of `spans`, whose caches this block
// reads and writes at layer index `layer`. A tape (training: spans without caches) keeps what
// the backward reads; balance_alpha > 0 on an MoE layer then computes the sequence-wise balance
// loss into tape->balance_loss, whose gradient the backward includes (the caller adds the loss).
void decoder_block_forward(const ModelConfig& c, const BlockWeights& w, const RopeFreqs& rope,
                           float* x, int64_t N, const SeqSpans& spans, int64_t layer,
                           ComputeType compute, BlockTape* tape = nullptr,
                           double balance_alpha = 0.0);

// Gradients given dout [N, D] (plus the balance loss's when the forward computed it), x being the
// layer's input: ADDED into grads (the same block in the gradient tree) and dx [N, D].
void decoder_block_backward(const ModelConfig& c, const BlockWeights& w, const RopeFreqs& rope,
                            const float* x, const BlockTape& tape, const float* dout, int64_t N,
                            const SeqSpans& spans, const BlockWeights& grads, float* dx,
                            ComputeType compute);

}  // namespace r1
