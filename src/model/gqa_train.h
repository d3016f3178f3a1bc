// Training forward/backward of grouped-query attention (Qwen2, Llama): q/k/v projections with
// optional biases, rotate_half RoPE, causal softmax attention per sequence, o_proj.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/config.h"
#include "model/batch.h"
#include "model/rope_freqs.h"
#include "model/train_attention.h"
#include "model/train_weights.h"

namespace r1 {

struct GqaActivations {
  Tensor q;     // [N, H, hd] after RoPE
  Tensor k;     // [N, Hk, hd] after RoPE
  Tensor v;     // [N, Hk, hd]
  Tensor attn;  // [N, H * hd] attention output, the input of o_proj
};

// x: [N, D] (already normalised): the sequences of `spans` (each causal on its own rows, RoPE
// positions from its pos0; caches null). y: [N, D] (overwritten). rope: rope_freqs(c.rope,
// c.head_dim).
void gqa_train_forward(const ModelConfig& c, const GqaParams& p, const RopeFreqs& rope,
                       const float* x, int64_t N, const SeqSpans& spans, GqaActivations& acts,
                       float* y);

// Gradients of y given dy [N, D], ADDED into grads (the same attention in the gradient view)
// and dx [N, D].
void gqa_train_backward(const ModelConfig& c, const GqaParams& p, const RopeFreqs& rope,
                        const float* x, const GqaActivations& acts, const float* dy, int64_t N,
                        const SeqSpans& spans, const GqaParams& grads, float* dx);

// GQA as a TrainAttention on p.gqa; c and rope are kept by reference.
class GqaTrainAttention final : public TrainAttention {
 public:
  GqaTrainAttention(const ModelConfig& c, const RopeFreqs& rope) : c_(c), rope_(rope) {}
  void forward(const BlockParams& p, const float* xn, int64_t T, const SeqSpans& spans,
               float* y) override;
  void backward(const BlockParams& p, const float* xn, const float* dy, int64_t T,
                const SeqSpans& spans, const BlockParams& grads, float* dxn) override;

 private:
  const ModelConfig& c_;
  const RopeFreqs& rope_;
  GqaActivations acts_;
};

}  // namespace r1
