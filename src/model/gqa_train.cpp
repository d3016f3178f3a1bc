// GQA training pair: the inference path's math (model/attention_gqa.cpp) in f32 over all rows
// at once for the projections, per sequence for RoPE and attention; backward reversed.
#include "model/gqa_train.h"

#include "kernels/cpu/attention.h"
#include "kernels/cpu/attention_backward.h"
#include "kernels/cpu/rope.h"

namespace r1 {

namespace {

// One sequence's rows of q, k and v: query t sees keys 0..t of its own sequence.
AttentionShape sequence_shape(const ModelConfig& c, int64_t T) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  return {T, T, H, Hk, hd, hd, 0, H * hd, Hk * hd, Hk * hd};
}

void rope_rows(float* x, int64_t heads, const ModelConfig& c, const RopeFreqs& rope,
               const SeqSpan& s, bool backward) {
  const int64_t hd = c.head_dim;
  float* rows = x + s.row0 * heads * hd;
  if (backward) {
    rope_backward(rows, s.rows, heads, hd, 0, hd, s.pos0, rope.inv_freq.data(), rope.mscale,
                  RopeLayout::HalfSplit);
  } else {
    rope_apply(rows, s.rows, heads, hd, 0, hd, s.pos0, rope.inv_freq.data(), rope.mscale,
               RopeLayout::HalfSplit);
  }
}

}  // namespace

void gqa_train_forward(const ModelConfig& c, const GqaParams& p, const RopeFreqs& rope,
                       const float* x, int64_t N, const SeqSpans& spans, GqaActivations& acts,
                       float* y) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  acts.q = Tensor::zeros(DType::F32, {N, H, hd});
  acts.k = Tensor::zeros(DType::F32, {N, Hk, hd});
  acts.v = Tensor::zeros(DType::F32, {N, Hk, hd});
  acts.attn = Tensor::zeros(DType::F32, {N, H * hd});
  linear_params_forward(p.q, x, N, acts.q.f32());
  linear_params_forward(p.k, x, N, acts.k.f32());
  linear_params_forward(p.v, x, N, acts.v.f32());
  const float scale = attention_softmax_scale(c);
  for (const SeqSpan& sp : spans) {
    rope_rows(acts.q.f32(), H, c, rope, sp, false);
    rope_rows(acts.k.f32(), Hk, c, rope, sp, false);
    const int64_t q0 = sp.row0 * H * hd, k0 = sp.row0 * Hk * hd;
    attention_causal(acts.q.f32() + q0, acts.k.f32() + k0, acts.v.f32() + k0, acts.attn.f32() + q0,
                     sequence_shape(c, sp.rows), scale);
  }
  linear_params_forward(p.o, acts.attn.f32(), N, y);
}

void gqa_train_backward(const ModelConfig& c, const GqaParams& p, const RopeFreqs& rope,
                        const float* x, const GqaActivations& acts, const float* dy, int64_t N,
                        const SeqSpans& spans, const GqaParams& grads, float* dx) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  Tensor dattn = Tensor::zeros(DType::F32, {N, H * hd});
  linear_params_backward(p.o, acts.attn.f32(), dy, N, grads.o, dattn.f32());
  Tensor dq = Tensor::zeros(DType::F32, {N, H, hd});
  Tensor dk = Tensor::zeros(DType::F32, {N, Hk, hd});
  Tensor dv = Tensor::zeros(DType::F32, {N, Hk, hd});
  const float scale = attention_softmax_scale(c);
  for (const SeqSpan& sp : spans) {
    const int64_t q0 = sp.row0 * H * hd, k0 = sp.row0 * Hk * hd;
    attention_causal_backward(acts.q.f32() + q0, acts.k.f32() + k0, acts.v.f32() + k0,
                              dattn.f32() + q0, dq.f32() + q0, dk.f32() + k0, dv.f32() + k0,
                              sequence_shape(c, sp.rows), scale);
    rope_rows(dq.f32(), H, c, rope, sp, true);
    rope_rows(dk.f32(), Hk, c, rope, sp, true);
  }
  linear_params_backward(p.q, x, dq.f32(), N, grads.q, dx);
  linear_params_backward(p.k, x, dk.f32(), N, grads.k, dx);
  linear_params_backward(p.v, x, dv.f32(), N, grads.v, dx);
}

void GqaTrainAttention::forward(const BlockParams& p, const float* xn, int64_t T,
                                const SeqSpans& spans, float* y) {
  gqa_train_forward(c_, p.gqa, rope_, xn, T, spans, acts_, y);
}

void GqaTrainAttention::backward(const BlockParams& p, const float* xn, const float* dy, int64_t T,
                                 const SeqSpans& spans, const BlockParams& grads, float* dxn) {
  gqa_train_backward(c_, p.gqa, rope_, xn, acts_, dy, T, spans, grads.gqa, dxn);
}

}  // namespace r1
