// GQA training pair: the inference path's math (model/attention_gqa.cpp) in f32 over all B * T
// rows at once for the projections, per sequence for RoPE and attention; backward reversed.
#include "model/gqa_train.h"

#include "kernels/cpu/attention.h"
#include "kernels/cpu/attention_backward.h"
#include "kernels/cpu/rope.h"

namespace r1 {

namespace {

// Sequence b's rows of q, k and v: queries at positions 0..T-1 each seeing keys 0..t.
AttentionShape sequence_shape(const ModelConfig& c, int64_t T) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  return {T, T, H, Hk, hd, hd, 0, H * hd, Hk * hd, Hk * hd};
}

}  // namespace

void gqa_train_forward(const ModelConfig& c, const GqaParams& p, const RopeFreqs& rope,
                       const float* x, int64_t B, int64_t T, GqaActivations& acts, float* y) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  const int64_t N = B * T;
  acts.q = Tensor::zeros(DType::F32, {N, H, hd});
  acts.k = Tensor::zeros(DType::F32, {N, Hk, hd});
  acts.v = Tensor::zeros(DType::F32, {N, Hk, hd});
  acts.attn = Tensor::zeros(DType::F32, {N, H * hd});
  linear_params_forward(p.q, x, N, acts.q.f32());
  linear_params_forward(p.k, x, N, acts.k.f32());
  linear_params_forward(p.v, x, N, acts.v.f32());
  const AttentionShape s = sequence_shape(c, T);
  const float scale = attention_softmax_scale(c);
  for (int64_t b = 0; b < B; ++b) {
    float* q = acts.q.f32() + b * T * H * hd;   // [T, H, hd]
    float* k = acts.k.f32() + b * T * Hk * hd;  // [T, Hk, hd]
    rope_apply(q, T, H, hd, 0, hd, 0, rope.inv_freq.data(), rope.mscale, RopeLayout::HalfSplit);
    rope_apply(k, T, Hk, hd, 0, hd, 0, rope.inv_freq.data(), rope.mscale, RopeLayout::HalfSplit);
    attention_causal(q, k, acts.v.f32() + b * T * Hk * hd, acts.attn.f32() + b * T * H * hd, s,
                     scale);
  }
  linear_params_forward(p.o, acts.attn.f32(), N, y);
}

void gqa_train_backward(const ModelConfig& c, const GqaParams& p, const RopeFreqs& rope,
                        const float* x, const GqaActivations& acts, const float* dy, int64_t B,
                        int64_t T, const GqaParams& grads, float* dx) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  const int64_t N = B * T;
  Tensor dattn = Tensor::zeros(DType::F32, {N, H * hd});
  linear_params_backward(p.o, acts.attn.f32(), dy, N, grads.o, dattn.f32());
  Tensor dq = Tensor::zeros(DType::F32, {N, H, hd});
  Tensor dk = Tensor::zeros(DType::F32, {N, Hk, hd});
  Tensor dv = Tensor::zeros(DType::F32, {N, Hk, hd});
  const AttentionShape s = sequence_shape(c, T);
  const float scale = attention_softmax_scale(c);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t q0 = b * T * H * hd, k0 = b * T * Hk * hd;
    attention_causal_backward(acts.q.f32() + q0, acts.k.f32() + k0, acts.v.f32() + k0,
                              dattn.f32() + q0, dq.f32() + q0, dk.f32() + k0, dv.f32() + k0, s,
                              scale);
    rope_backward(dq.f32() + q0, T, H, hd, 0, hd, 0, rope.inv_freq.data(), rope.mscale,
                  RopeLayout::HalfSplit);
    rope_backward(dk.f32() + k0, T, Hk, hd, 0, hd, 0, rope.inv_freq.data(), rope.mscale,
                  RopeLayout::HalfSplit);
  }
  linear_params_backward(p.q, x, dq.f32(), N, grads.q, dx);
  linear_params_backward(p.k, x, dk.f32(), N, grads.k, dx);
  linear_params_backward(p.v, x, dv.f32(), N, grads.v, dx);
}

}  // namespace r1
