// Training forward/backward of a DeepSeek-V3 multi-token prediction module (section 2.2):
// row i combines the main model's hidden state at i with the embedding of token i+1 and
// predicts token i+2 through one more decoder block and the module's own head.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/decoder_block_train.h"
#include "model/train_weights.h"

namespace r1 {

struct MtpActivations {
  Tensor emb;   // [R, D] embedding rows of the next tokens
  Tensor both;  // [R, 2D] (rmsnorm(emb, enorm) | rmsnorm(h, hnorm)), the input of eh_proj
  Tensor u;     // [R, D] eh_proj output, the block input
  DecoderBlockActivations block;
  Tensor out;     // [R, D] block output
  Tensor normed;  // [R, D] rmsnorm(out, head_norm), the input of the head
};

// h: [R, D] the main model's last hidden states (before its final norm) at the rows i that
// predict, next_tokens: [R] token i+1 of each row -> logits [R, V] (overwritten) for token i+2,
// as Model::mtp_logits. spans: the sequences of the R rows, each at positions from its pos0 (0
// for training; caches null); attn: the block's attention pair (MlaTrainAttention);
// balance_alpha: as decoder_block_train_forward (acts.block.balance_loss). Throws Error naming
// the row when a token is outside [0, V).
void mtp_train_forward(const MtpParams& p, const ModelConfig& c, TrainAttention& attn,
                       const float* h, const int32_t* next_tokens, int64_t R, const SeqSpans& spans,
                       double balance_alpha, MtpActivations& acts, float* logits);

// Gradients given dlogits [R, V]: ADDED into grads (the module in the gradient view: embed,
// norms, eh_proj, block, head) and dh [R, D] (the main model's hidden-state gradient).
void mtp_train_backward(const MtpParams& p, const ModelConfig& c, TrainAttention& attn,
                        const float* h, const int32_t* next_tokens, const MtpActivations& acts,
                        const float* dlogits, int64_t R, const SeqSpans& spans,
                        const MtpParams& grads, float* dh);

}  // namespace r1
