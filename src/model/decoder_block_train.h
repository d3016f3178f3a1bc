// Training forward/backward of one pre-norm decoder layer, h = x + attn(norm(x)),
// out = h + ffn(norm(h)), with the attention pair chosen by the caller (MLA here, GQA for the
// dense models) and the FFN dense SwiGLU or MoE by BlockParams::is_moe.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/mlp_train.h"
#include "model/moe_train.h"
#include "model/rope_freqs.h"
#include "model/train_attention.h"
#include "model/train_weights.h"

namespace r1 {

struct DecoderBlockActivations {
  Tensor attn_in;      // [T, D] rmsnorm(x, attn_norm)
  Tensor h;            // [T, D] x + attention
  Tensor ffn_in;       // [T, D] rmsnorm(h, mlp_norm)
  MlpActivations mlp;  // dense layers
  MoeActivations moe;  // MoE layers; moe.load is the layer's per-expert load for the bias update
  double balance_loss = 0.0;  // MoE layers with balance_alpha > 0: alpha * mean sequence loss
  Tensor balance_dscores;     // [T, E] its gradient on moe.scores (undefined when not computed)
};

// x: [T, D] -> out: [T, D] (overwritten; may not alias x). The rows are the sequences of
// `spans` (causal attention and the balance loss per sequence; caches null). balance_alpha > 0
// on an MoE layer computes the sequence-wise balance loss into acts.balance_loss; the backward
// then includes its gradient. The caller adds acts.balance_loss to the step's loss.
void decoder_block_train_forward(const BlockParams& p, const ModelConfig& c, TrainAttention& attn,
                                 const float* x, int64_t T, const SeqSpans& spans,
                                 double balance_alpha, DecoderBlockActivations& acts, float* out);

// Gradients given dout [T, D] (plus the balance loss's when the forward computed it): ADDED into
// grads (the same block in the gradient view) and dx [T, D].
void decoder_block_train_backward(const BlockParams& p, const ModelConfig& c, TrainAttention& attn,
                                  const float* x, const DecoderBlockActivations& acts,
                                  const float* dout, int64_t T, const SeqSpans& spans,
                                  const BlockParams& grads, float* dx);

}  // namespace r1
