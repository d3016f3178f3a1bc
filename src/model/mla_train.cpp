// MLA training pair: query and latent projections, per-head keys/values from kv_b_proj, causal
// attention per sequence and o_proj; the backward runs the same steps reversed.
#include "model/mla_train.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/attention_backward.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "kernels/cpu/rope.h"
#include "model/mla_dims.h"

namespace r1 {

namespace {

// One sequence's rows of the expanded heads: query t sees keys 0..t.
AttentionShape expanded_shape(const MlaDims& d, int64_t rows) {
  return {rows, rows, d.H, d.H, d.qhd, d.vd, 0, d.H * d.qhd, d.H * d.qhd, d.H * d.vd};
}

Tensor zeros(int64_t rows, int64_t cols) {
  return Tensor::zeros(DType::F32, {rows, cols});
}

// Rotates (forward) or rotates back (backward) the rope dims [offset, offset + dr) of every
// head of x [T, heads, stride], each span from its own position.
void rope_spans(float* x, int64_t heads, int64_t stride, int64_t offset, const MlaDims& d,
                const RopeFreqs& rf, const SeqSpans& spans, bool backward) {
  for (const SeqSpan& sp : spans) {
    float* rows = x + sp.row0 * heads * stride;
    if (backward) {
      rope_backward(rows, sp.rows, heads, stride, offset, d.rope, sp.pos0, rf.inv_freq.data(),
                    rf.mscale, RopeLayout::Interleaved);
    } else {
      rope_apply(rows, sp.rows, heads, stride, offset, d.rope, sp.pos0, rf.inv_freq.data(), rf.mscale,
                 RopeLayout::Interleaved);
    }
  }
}

// acts.q [T, H, qhd]: q_proj, or q_a_proj -> q_a_layernorm -> q_b_proj; then RoPE.
void query_forward(const MlaParams& p, const MlaDims& d, float eps, const RopeFreqs& rf,
                   const float* x, int64_t T, const SeqSpans& spans, MlaActivations& acts) {
  acts.q = Tensor::zeros(DType::F32, {T, d.H, d.qhd});
  if (d.q_lora > 0) {
    acts.q_a = zeros(T, d.q_lora);
    acts.q_norm = zeros(T, d.q_lora);
    linear_params_forward(p.q_a_proj, x, T, acts.q_a.f32());
    rmsnorm(acts.q_a.f32(), p.q_a_norm, acts.q_norm.f32(), T, d.q_lora, eps);
    linear_params_forward(p.q_b_proj, acts.q_norm.f32(), T, acts.q.f32());
  } else {
    linear_params_forward(p.q_proj, x, T, acts.q.f32());
  }
  rope_spans(acts.q.f32(), d.H, d.qhd, d.nope, d, rf, spans, false);
}

// acts.kv_a, latent, k, v from x: the shared roped k_pe is copied into every head's key.
void key_value_forward(const MlaParams& p, const MlaDims& d, float eps, const RopeFreqs& rf,
                       const float* x, int64_t T, const SeqSpans& spans, MlaActivations& acts) {
  acts.kv_a = zeros(T, d.ckv);
  acts.latent = zeros(T, d.lora);
  linear_params_forward(p.kv_a_proj, x, T, acts.kv_a.f32());
  const float* kv_a = acts.kv_a.f32();
  for (int64_t t = 0; t < T; ++t)
    rmsnorm(kv_a + t * d.ckv, p.kv_a_norm, acts.latent.f32() + t * d.lora, 1, d.lora, eps);
  Tensor k_pe = zeros(T, d.rope);  // [T, dr]
  for (int64_t t = 0; t < T; ++t)
    std::copy_n(kv_a + t * d.ckv + d.lora, d.rope, k_pe.f32() + t * d.rope);
  rope_spans(k_pe.f32(), 1, d.rope, 0, d, rf, spans, false);

  Tensor kv = Tensor::zeros(DType::F32, {T, d.H, d.nope + d.vd});  // [T, H, dn + dv]
  linear_params_forward(p.kv_b_proj, acts.latent.f32(), T, kv.f32());
  acts.k = Tensor::zeros(DType::F32, {T, d.H, d.qhd});
  acts.v = Tensor::zeros(DType::F32, {T, d.H, d.vd});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < d.H; ++h) {
      const float* src = kv.f32() + (t * d.H + h) * (d.nope + d.vd);
      float* kd = acts.k.f32() + (t * d.H + h) * d.qhd;
      std::copy_n(src, d.nope, kd);
      std::copy_n(k_pe.f32() + t * d.rope, d.rope, kd + d.nope);
      std::copy_n(src + d.nope, d.vd, acts.v.f32() + (t * d.H + h) * d.vd);
    }
}

// Backward of key_value_forward from dk [T, H, qhd] and dv [T, H, dv]; adds into grads and dx.
void key_value_backward(const MlaParams& p, const MlaDims& d, float eps, const RopeFreqs& rf,
                        const float* x, const MlaActivations& acts, const float* dk,
                        const float* dv, int64_t T, const SeqSpans& spans, const MlaParams& grads,
                        float* dx) {
  Tensor dkv = Tensor::zeros(DType::F32, {T, d.H, d.nope + d.vd});  // [T, H, dn + dv]
  Tensor dkv_a = zeros(T, d.ckv);                               // [T, r + dr]
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < d.H; ++h) {
      float* dst = dkv.f32() + (t * d.H + h) * (d.nope + d.vd);
      const float* dkh = dk + (t * d.H + h) * d.qhd;
      std::copy_n(dkh, d.nope, dst);
      std::copy_n(dv + (t * d.H + h) * d.vd, d.vd, dst + d.nope);
      float* dpe = dkv_a.f32() + t * d.ckv + d.lora;  // the shared key: sum over heads
      for (int64_t i = 0; i < d.rope; ++i) dpe[i] += dkh[d.nope + i];
    }
  rope_spans(dkv_a.f32(), 1, d.ckv, d.lora, d, rf, spans, true);

  Tensor dlatent = zeros(T, d.lora);  // [T, r]
  linear_params_backward(p.kv_b_proj, acts.latent.f32(), dkv.f32(), T, grads.kv_b_proj,
                         dlatent.f32());
  const float* kv_a = acts.kv_a.f32();
  for (int64_t t = 0; t < T; ++t)
    rmsnorm_backward(kv_a + t * d.ckv, p.kv_a_norm, dlatent.f32() + t * d.lora,
                     dkv_a.f32() + t * d.ckv, grads.kv_a_norm, 1, d.lora, eps);
  linear_params_backward(p.kv_a_proj, x, dkv_a.f32(), T, grads.kv_a_proj, dx);
}

// Backward of query_forward from dq [T, H, qhd] (rotated back in place).
void query_backward(const MlaParams& p, const MlaDims& d, float eps, const RopeFreqs& rf,
                    const float* x, const MlaActivations& acts, float* dq, int64_t T,
                    const SeqSpans& spans, const MlaParams& grads, float* dx) {
  rope_spans(dq, d.H, d.qhd, d.nope, d, rf, spans, true);
  if (d.q_lora == 0) {
    linear_params_backward(p.q_proj, x, dq, T, grads.q_proj, dx);
    return;
  }
  Tensor dq_norm = zeros(T, d.q_lora), dq_a = zeros(T, d.q_lora);  // [T, rq]
  linear_params_backward(p.q_b_proj, acts.q_norm.f32(), dq, T, grads.q_b_proj, dq_norm.f32());
  rmsnorm_backward(acts.q_a.f32(), p.q_a_norm, dq_norm.f32(), dq_a.f32(), grads.q_a_norm, T, d.q_lora,
                   eps);
  linear_params_backward(p.q_a_proj, x, dq_a.f32(), T, grads.q_a_proj, dx);
}

void check_spans(const SeqSpans& spans, int64_t T) {
  int64_t rows = 0;
  for (const SeqSpan& sp : spans) {
    R1_ASSERT(sp.cache == nullptr && sp.row0 == rows && sp.rows > 0);
    rows += sp.rows;
  }
  R1_ASSERT(rows == T);
}

}  // namespace

void mla_train_forward(const MlaParams& p, const ModelConfig& c, const RopeFreqs& rope,
                       const float* x, int64_t T, const SeqSpans& spans, MlaActivations& acts,
                       float* y) {
  check_spans(spans, T);
  const MlaDims d(c);
  const float eps = float(c.rms_norm_eps);
  query_forward(p, d, eps, rope, x, T, spans, acts);
  key_value_forward(p, d, eps, rope, x, T, spans, acts);
  acts.attn = Tensor::zeros(DType::F32, {T, d.H, d.vd});
  const float scale = attention_softmax_scale(c);
  for (const SeqSpan& sp : spans)
    attention_causal(acts.q.f32() + sp.row0 * d.H * d.qhd, acts.k.f32() + sp.row0 * d.H * d.qhd,
                     acts.v.f32() + sp.row0 * d.H * d.vd, acts.attn.f32() + sp.row0 * d.H * d.vd,
                     expanded_shape(d, sp.rows), scale);
  linear_params_forward(p.o_proj, acts.attn.f32(), T, y);
}

void mla_train_backward(const MlaParams& p, const ModelConfig& c, const RopeFreqs& rope,
                        const float* x, const MlaActivations& acts, const float* dy, int64_t T,
                        const SeqSpans& spans, const MlaParams& grads, float* dx) {
  check_spans(spans, T);
  const MlaDims d(c);
  const float eps = float(c.rms_norm_eps);
  Tensor dattn = Tensor::zeros(DType::F32, {T, d.H, d.vd});
  linear_params_backward(p.o_proj, acts.attn.f32(), dy, T, grads.o_proj, dattn.f32());

  Tensor dq = Tensor::zeros(DType::F32, {T, d.H, d.qhd});
  Tensor dk = Tensor::zeros(DType::F32, {T, d.H, d.qhd});
  Tensor dv = Tensor::zeros(DType::F32, {T, d.H, d.vd});
  const float scale = attention_softmax_scale(c);
  for (const SeqSpan& sp : spans) {
    const int64_t qo = sp.row0 * d.H * d.qhd, vo = sp.row0 * d.H * d.vd;
    attention_causal_backward(acts.q.f32() + qo, acts.k.f32() + qo, acts.v.f32() + vo,
                              dattn.f32() + vo, dq.f32() + qo, dk.f32() + qo, dv.f32() + vo,
                              expanded_shape(d, sp.rows), scale);
  }
  key_value_backward(p, d, eps, rope, x, acts, dk.f32(), dv.f32(), T, spans, grads, dx);
  query_backward(p, d, eps, rope, x, acts, dq.f32(), T, spans, grads, dx);
}

void MlaTrainAttention::forward(const BlockParams& p, const float* xn, int64_t T,
                                const SeqSpans& spans, float* y) {
  mla_train_forward(p.mla, c_, rope_, xn, T, spans, acts_, y);
}

void MlaTrainAttention::backward(const BlockParams& p, const float* xn, const float* dy, int64_t T,
                                 const SeqSpans& spans, const BlockParams& grads, float* dxn) {
  mla_train_backward(p.mla, c_, rope_, xn, acts_, dy, T, spans, grads.mla, dxn);
}

}  // namespace r1
