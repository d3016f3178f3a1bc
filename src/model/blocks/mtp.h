// The multi-token-prediction module (DeepSeek-V3): from the main model's hidden state h_i and the
// embedding of token i+1 it predicts token i+2 through eh_proj, one decoder block and its shared
// head; forward and backward.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/cpu/matmul.h"
#include "model/batch.h"
#include "model/blocks/decoder_block.h"
#include "model/config.h"
#include "model/rope_freqs.h"
#include "model/weights.h"

namespace r1 {

// What the backward reads, kept by a forward given a tape.
struct MtpTape {
  Tensor emb;   // [R, D] embedding rows of the next tokens
  Tensor both;  // [R, 2D] (rmsnorm(emb, enorm) | rmsnorm(h, hnorm)), the input of eh_proj
  Tensor u;     // [R, D] eh_proj output, the block input
  BlockTape block;
  Tensor out;     // [R, D] block output
  Tensor normed;  // [R, D] rmsnorm(out, head_norm), the input of the head
};

// h: [R, D] the main model's hidden states, next_tokens: [R] -> logits [R, V] (overwritten). The
// block is layer c.num_hidden_layers of the spans' caches. Error for a token outside the
// vocabulary.
void mtp_forward(const ModelConfig& c, const MtpWeights& w, const RopeFreqs& rope, const float* h,
                 const int32_t* next_tokens, int64_t R, const SeqSpans& spans, float* logits,
                 ComputeType compute, MtpTape* tape = nullptr, double balance_alpha = 0.0);

// Gradients given dlogits [R, V]: ADDED into grads (the same module in the gradient tree) and
// dh [R, D].
void mtp_backward(const ModelConfig& c, const MtpWeights& w, const RopeFreqs& rope, const float* h,
                  const int32_t* next_tokens, const MtpTape& tape, const float* dlogits, int64_t R,
                  const SeqSpans& spans, const MtpWeights& grads, float* dh, ComputeType compute);

}  // namespace r1
