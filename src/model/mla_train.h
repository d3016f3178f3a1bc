// Training forward/backward of multi-head latent attention (DeepSeek-V2/V3) in the expanded
// form: the latent is up-projected into per-head keys and values, as the HF code trains it.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/rope_freqs.h"
#include "model/train_attention.h"
#include "model/train_weights.h"

namespace r1 {

// What the backward reads; filled by mla_train_forward (H heads, dn/dr/dv the nope, rope and
// value head dims, qhd = dn + dr, r = kv_lora_rank, rq = q_lora_rank).
struct MlaActivations {
  Tensor q_a;     // [T, rq] q_a_proj output before q_a_layernorm (q_lora_rank > 0)
  Tensor q_norm;  // [T, rq] its normalised form, the input of q_b_proj (q_lora_rank > 0)
  Tensor q;       // [T, H, qhd] queries, rope part rotated
  Tensor kv_a;    // [T, r + dr] kv_a_proj_with_mqa output (latent before its norm | k_pe unroped)
  Tensor latent;  // [T, r] normalised latent, the input of kv_b_proj
  Tensor k;       // [T, H, qhd] keys: (k_nope of the head | the shared roped k_pe)
  Tensor v;       // [T, H, dv]
  Tensor attn;    // [T, H, dv] attention output, the input of o_proj
};

// x: [T, D] (the normalised block input) -> y: [T, D] (overwritten). The rows are the sequences
// of `spans` (each causal on its own rows, RoPE positions from its pos0; caches must be null).
// Numerically the expanded path of mla_forward in f32.
void mla_train_forward(const MlaParams& p, const ModelConfig& c, const RopeFreqs& rope,
                       const float* x, int64_t T, const SeqSpans& spans, MlaActivations& acts,
                       float* y);

// Gradients of y given dy [T, D], ADDED into grads (the same layer in the gradient view) and
// dx [T, D]. The shared k_pe collects the sum of its heads' gradients.
void mla_train_backward(const MlaParams& p, const ModelConfig& c, const RopeFreqs& rope,
                        const float* x, const MlaActivations& acts, const float* dy, int64_t T,
                        const SeqSpans& spans, const MlaParams& grads, float* dx);

// MLA (DeepSeek) as a TrainAttention: mla_train_forward / mla_train_backward on p.mla. c and
// rope are kept by reference and must outlive the object.
class MlaTrainAttention final : public TrainAttention {
 public:
  MlaTrainAttention(const ModelConfig& c, const RopeFreqs& rope) : c_(c), rope_(rope) {}
  void forward(const BlockParams& p, const float* xn, int64_t T, const SeqSpans& spans,
               float* y) override;
  void backward(const BlockParams& p, const float* xn, const float* dy, int64_t T,
                const SeqSpans& spans, const BlockParams& grads, float* dxn) override;

 private:
  const ModelConfig& c_;
  const RopeFreqs& rope_;
  MlaActivations acts_;
};

}  // namespace r1
