// MLA: query and latent projections, per-head keys and values from kv_b_proj, causal attention
// per sequence, o_proj; cached decode rows through mla_absorbed. The backward runs the expanded
// steps reversed.
#include "model/blocks/mla.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/attention_backward.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/rope.h"
#include "model/blocks/linear_layer.h"
#include "model/blocks/mla_absorbed.h"
#include "model/blocks/mla_dims.h"

namespace r1 {

namespace {

// One sequence's rows of the expanded heads: query t sees keys 0..t.
AttentionShape expanded_shape(const MlaDims& d, int64_t rows) {
  return {rows, rows, d.H, d.H, d.qhd, d.vd, 0, d.H * d.qhd, d.H * d.qhd, d.H * d.vd};
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
      rope_apply(rows, sp.rows, heads, stride, offset, d.rope, sp.pos0, rf.inv_freq.data(),
                 rf.mscale, RopeLayout::Interleaved);
    }
  }
}

// t.q [T, H, qhd]: q_proj, or q_a_proj -> q_a_layernorm -> q_b_proj; then RoPE.
void project_query(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rf, const float* x,
                   int64_t T, const SeqSpans& spans, ComputeType compute, MlaTape& t) {
  const MlaDims d(c);
  t.q = Tensor::zeros(DType::F32, {T, d.H, d.qhd});
  if (d.q_lora > 0) {
    t.q_a = Tensor::zeros(DType::F32, {T, d.q_lora});
    t.q_norm = Tensor::zeros(DType::F32, {T, d.q_lora});
    linear_layer_forward(w.q_a_proj, x, T, t.q_a.f32(), compute);
    rmsnorm(t.q_a.f32(), w.q_a_norm.f32(), t.q_norm.f32(), T, d.q_lora, float(c.rms_norm_eps));
    linear_layer_forward(w.q_b_proj, t.q_norm.f32(), T, t.q.f32(), compute);
  } else {
    linear_layer_forward(w.q_proj, x, T, t.q.f32(), compute);
  }
  rope_spans(t.q.f32(), d.H, d.qhd, d.nope, d, rf, spans, false);
}

// t.kv_a [T, lora + rope] and ckv [T, lora + rope] = (normalised latent | roped shared key), the
// row the cache stores.
std::vector<float> project_latent(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rf,
                                  const float* x, int64_t T, const SeqSpans& spans,
                                  ComputeType compute, MlaTape& t) {
  const MlaDims d(c);
  t.kv_a = Tensor::zeros(DType::F32, {T, d.ckv});
  linear_layer_forward(w.kv_a_proj, x, T, t.kv_a.f32(), compute);
  std::vector<float> ckv(t.kv_a.f32(), t.kv_a.f32() + T * d.ckv);
  for (int64_t r = 0; r < T; ++r)
    rmsnorm(ckv.data() + r * d.ckv, w.kv_a_norm.f32(), ckv.data() + r * d.ckv, 1, d.lora,
            float(c.rms_norm_eps));
  rope_spans(ckv.data(), 1, d.ckv, d.lora, d, rf, spans, false);
  return ckv;
}

// Expanded attention of R rows whose spans see only their own keys: t.latent [R, lora], the
// per-head t.k [R, H, qhd] = (k_nope from kv_b_proj | shared k_pe) and t.v [R, H, v], then
// causal attention per span into attn [R, H, v]. q: [R, H, qhd], ckv: [R, lora + rope].
void attend_expanded(const ModelConfig& c, const MlaWeights& w, const float* q, const float* ckv,
                     int64_t R, const SeqSpans& spans, ComputeType compute, MlaTape& t,
                     float* attn) {
  const MlaDims d(c);
  t.latent = Tensor::zeros(DType::F32, {R, d.lora});
  for (int64_t r = 0; r < R; ++r) std::copy_n(ckv + r * d.ckv, d.lora, t.latent.f32() + r * d.lora);
  std::vector<float> kv(size_t(R * d.H * (d.nope + d.vd)));  // [R, H, nope + v]
  std::vector<float> rebuilt;
  matmul(t.latent.f32(), R, mla_kv_b_matrix(d, w, rebuilt), nullptr, kv.data(), compute);
  t.k = Tensor::zeros(DType::F32, {R, d.H, d.qhd});
  t.v = Tensor::zeros(DType::F32, {R, d.H, d.vd});
  for (int64_t r = 0; r < R; ++r)
    for (int64_t h = 0; h < d.H; ++h) {
      const float* src = kv.data() + (r * d.H + h) * (d.nope + d.vd);
      float* kd = t.k.f32() + (r * d.H + h) * d.qhd;
      std::copy_n(src, d.nope, kd);
      std::copy_n(ckv + r * d.ckv + d.lora, d.rope, kd + d.nope);
      std::copy_n(src + d.nope, d.vd, t.v.f32() + (r * d.H + h) * d.vd);
    }
  const float scale = attention_softmax_scale(c);
  for (const SeqSpan& sp : spans)
    attention_causal(q + sp.row0 * d.H * d.qhd, t.k.f32() + sp.row0 * d.H * d.qhd,
                     t.v.f32() + sp.row0 * d.H * d.vd, attn + sp.row0 * d.H * d.vd,
                     expanded_shape(d, sp.rows), scale);
}

// The cached rows: each span's ckv rows appended to its cache; a prompt's first chunk longer than
// a decode step is expanded (its keys are all in this chunk: the projection FLOPs of absorbing
// the queries, but attention on qk/v head dims, 192/128 in V3, instead of the latent's 576/512);
// the other spans are absorbed together. Decided per sequence, so a sequence is computed the same
// way whatever batch it is in.
void attend_cached(const ModelConfig& c, const MlaWeights& w, const float* q,
                   const std::vector<float>& ckv, int64_t N, const SeqSpans& spans, int64_t layer,
                   ComputeType compute, float* attn) {
  const MlaDims d(c);
  SeqSpans absorbed;           // the other spans, their rows packed from 0
  std::vector<size_t> source;  // absorbed[j] is spans[source[j]]
  int64_t absorbed_rows = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    const SeqSpan& sp = spans[i];
    R1_ASSERT(sp.cache != nullptr);
    Tensor& kc = sp.cache->layers[size_t(layer)].k;  // [ctx, ckv]
    R1_ASSERT(sp.pos0 + sp.rows <= kc.dim(0));
    std::copy_n(ckv.data() + sp.row0 * d.ckv, sp.rows * d.ckv, kc.f32() + sp.pos0 * d.ckv);
    if (sp.pos0 == 0 && sp.rows > kGemvMaxTokens) {
      MlaTape scratch;
      attend_expanded(c, w, q + sp.row0 * d.H * d.qhd, ckv.data() + sp.row0 * d.ckv, sp.rows,
                      {SeqSpan{0, sp.rows, 0, nullptr}}, compute, scratch,
                      attn + sp.row0 * d.H * d.vd);
    } else {
      absorbed.push_back({absorbed_rows, sp.rows, sp.pos0, sp.cache});
      source.push_back(i);
      absorbed_rows += sp.rows;
    }
  }
  const float scale = attention_softmax_scale(c);
  if (absorbed_rows == N) return mla_attend_absorbed(c, w, scale, q, N, spans, layer, attn);
  if (absorbed_rows == 0) return;
  std::vector<float> q_packed(size_t(absorbed_rows * d.H * d.qhd));    // [rows, H, qhd]
  std::vector<float> attn_packed(size_t(absorbed_rows * d.H * d.vd));  // [rows, H, v]
  for (size_t j = 0; j < absorbed.size(); ++j)
    std::copy_n(q + spans[source[j]].row0 * d.H * d.qhd, absorbed[j].rows * d.H * d.qhd,
                q_packed.data() + absorbed[j].row0 * d.H * d.qhd);
  mla_attend_absorbed(c, w, scale, q_packed.data(), absorbed_rows, absorbed, layer,
                      attn_packed.data());
  for (size_t j = 0; j < absorbed.size(); ++j)
    std::copy_n(attn_packed.data() + absorbed[j].row0 * d.H * d.vd, absorbed[j].rows * d.H * d.vd,
                attn + spans[source[j]].row0 * d.H * d.vd);
}

// Backward of the key/value steps from dk [T, H, qhd] and dv [T, H, dv]; adds into grads, dx.
void key_value_backward(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rf,
                        const float* x, const MlaTape& t, const float* dk, const float* dv,
                        int64_t T, const SeqSpans& spans, const MlaWeights& grads, float* dx,
                        ComputeType compute) {
  const MlaDims d(c);
  Tensor dkv = Tensor::zeros(DType::F32, {T, d.H, d.nope + d.vd});  // [T, H, dn + dv]
  Tensor dkv_a = Tensor::zeros(DType::F32, {T, d.ckv});             // [T, r + dr]
  for (int64_t r = 0; r < T; ++r)
    for (int64_t h = 0; h < d.H; ++h) {
      float* dst = dkv.f32() + (r * d.H + h) * (d.nope + d.vd);
      const float* dkh = dk + (r * d.H + h) * d.qhd;
      std::copy_n(dkh, d.nope, dst);
      std::copy_n(dv + (r * d.H + h) * d.vd, d.vd, dst + d.nope);
      float* dpe = dkv_a.f32() + r * d.ckv + d.lora;  // the shared key: sum over heads
      for (int64_t i = 0; i < d.rope; ++i) dpe[i] += dkh[d.nope + i];
    }
  rope_spans(dkv_a.f32(), 1, d.ckv, d.lora, d, rf, spans, true);

  Tensor dlatent = Tensor::zeros(DType::F32, {T, d.lora});  // [T, r]
  linear_layer_backward(w.kv_b_proj, t.latent.f32(), dkv.f32(), T, grads.kv_b_proj, dlatent.f32(),
                        compute);
  const float* kv_a = t.kv_a.f32();
  for (int64_t r = 0; r < T; ++r)
    rmsnorm_backward(kv_a + r * d.ckv, w.kv_a_norm.f32(), dlatent.f32() + r * d.lora,
                     dkv_a.f32() + r * d.ckv, buffer_f32(grads.kv_a_norm), 1, d.lora,
                     float(c.rms_norm_eps));
  linear_layer_backward(w.kv_a_proj, x, dkv_a.f32(), T, grads.kv_a_proj, dx, compute);
}

// Backward of project_query from dq [T, H, qhd] (rotated back in place).
void query_backward(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rf, const float* x,
                    const MlaTape& t, float* dq, int64_t T, const SeqSpans& spans,
                    const MlaWeights& grads, float* dx, ComputeType compute) {
  const MlaDims d(c);
  rope_spans(dq, d.H, d.qhd, d.nope, d, rf, spans, true);
  if (d.q_lora == 0) return linear_layer_backward(w.q_proj, x, dq, T, grads.q_proj, dx, compute);
  Tensor dq_norm = Tensor::zeros(DType::F32, {T, d.q_lora});  // [T, rq]
  Tensor dq_a = Tensor::zeros(DType::F32, {T, d.q_lora});     // [T, rq]
  linear_layer_backward(w.q_b_proj, t.q_norm.f32(), dq, T, grads.q_b_proj, dq_norm.f32(), compute);
  rmsnorm_backward(t.q_a.f32(), w.q_a_norm.f32(), dq_norm.f32(), dq_a.f32(),
                   buffer_f32(grads.q_a_norm), T, d.q_lora, float(c.rms_norm_eps));
  linear_layer_backward(w.q_a_proj, x, dq_a.f32(), T, grads.q_a_proj, dx, compute);
}

}  // namespace

void mla_forward(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rope, const float* x,
                 int64_t N, const SeqSpans& spans, int64_t layer, float* out, ComputeType compute,
                 MlaTape* tape) {
  const MlaDims d(c);
  MlaTape local;
  MlaTape& t = tape ? *tape : local;
  project_query(c, w, rope, x, N, spans, compute, t);                                  // t.q
  const std::vector<float> ckv = project_latent(c, w, rope, x, N, spans, compute, t);  // [N, ckv]
  t.attn = Tensor::zeros(DType::F32, {N, d.H, d.vd});
  if (spans.front().cache) {
    R1_ASSERT(!tape);
    attend_cached(c, w, t.q.f32(), ckv, N, spans, layer, compute, t.attn.f32());
  } else {
    for (const SeqSpan& sp : spans) R1_ASSERT(sp.cache == nullptr);
    attend_expanded(c, w, t.q.f32(), ckv.data(), N, spans, compute, t, t.attn.f32());
  }
  linear_layer_forward(w.o_proj, t.attn.f32(), N, out, compute);
}

void mla_backward(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rope, const float* x,
                  const MlaTape& tape, const float* dy, int64_t T, const SeqSpans& spans,
                  const MlaWeights& grads, float* dx, ComputeType compute) {
  const MlaDims d(c);
  Tensor dattn = Tensor::zeros(DType::F32, {T, d.H, d.vd});
  linear_layer_backward(w.o_proj, tape.attn.f32(), dy, T, grads.o_proj, dattn.f32(), compute);
  Tensor dq = Tensor::zeros(DType::F32, {T, d.H, d.qhd});
  Tensor dk = Tensor::zeros(DType::F32, {T, d.H, d.qhd});
  Tensor dv = Tensor::zeros(DType::F32, {T, d.H, d.vd});
  const float scale = attention_softmax_scale(c);
  for (const SeqSpan& sp : spans) {
    const int64_t qo = sp.row0 * d.H * d.qhd, vo = sp.row0 * d.H * d.vd;
    attention_causal_backward(tape.q.f32() + qo, tape.k.f32() + qo, tape.v.f32() + vo,
                              dattn.f32() + vo, dq.f32() + qo, dk.f32() + qo, dv.f32() + vo,
                              expanded_shape(d, sp.rows), scale);
  }
  key_value_backward(c, w, rope, x, tape, dk.f32(), dv.f32(), T, spans, grads, dx, compute);
  query_backward(c, w, rope, x, tape, dq.f32(), T, spans, grads, dx, compute);
}

}  // namespace r1
