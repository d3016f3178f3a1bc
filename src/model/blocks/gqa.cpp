// GQA: projections (+bias) over all rows at once, RoPE and attention per sequence (reading and
// appending its cache at inference); the backward runs the same steps reversed.
#include "model/blocks/gqa.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/attention_backward.h"
#include "kernels/cpu/rope.h"
#include "model/blocks/linear_layer.h"

namespace r1 {

namespace {

// Rotates (or, backward, rotates back) every head of one sequence's rows of x [N, heads, hd].
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

// One sequence's rows of q, k and v without a cache: query t sees keys 0..t of its own sequence.
AttentionShape sequence_shape(const ModelConfig& c, int64_t T) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  return {T, T, H, Hk, hd, hd, 0, H * hd, Hk * hd, Hk * hd};
}

}  // namespace

void gqa_forward(const ModelConfig& c, const GqaWeights& w, const RopeFreqs& rope, const float* x,
                 int64_t N, const SeqSpans& spans, int64_t layer, float* out, ComputeType compute,
                 GqaTape* tape) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  GqaTape local;
  GqaTape& t = tape ? *tape : local;
  t.q = Tensor::zeros(DType::F32, {N, H, hd});
  t.k = Tensor::zeros(DType::F32, {N, Hk, hd});
  t.v = Tensor::zeros(DType::F32, {N, Hk, hd});
  t.attn = Tensor::zeros(DType::F32, {N, H * hd});
  linear_layer_forward(w.q, x, N, t.q.f32(), compute);
  linear_layer_forward(w.k, x, N, t.k.f32(), compute);
  linear_layer_forward(w.v, x, N, t.v.f32(), compute);
  const float scale = attention_softmax_scale(c);
  for (const SeqSpan& sp : spans) {
    rope_rows(t.q.f32(), H, c, rope, sp, false);
    rope_rows(t.k.f32(), Hk, c, rope, sp, false);
    const float* ks = t.k.f32() + sp.row0 * Hk * hd;
    const float* vs = t.v.f32() + sp.row0 * Hk * hd;
    if (LayerCache* cache = span_layer_cache(sp, layer)) {
      R1_ASSERT(!tape && sp.pos0 + sp.rows <= cache->k.dim(0));
      std::copy_n(ks, sp.rows * Hk * hd, cache->k.f32() + sp.pos0 * Hk * hd);
      std::copy_n(vs, sp.rows * Hk * hd, cache->v.f32() + sp.pos0 * Hk * hd);
      ks = cache->k.f32();
      vs = cache->v.f32();
    } else {
      R1_ASSERT(sp.pos0 == 0);
    }
    const AttentionShape s{sp.rows, sp.pos0 + sp.rows, H,      Hk,      hd,
                           hd,      sp.pos0,           H * hd, Hk * hd, Hk * hd};
    attention_causal(t.q.f32() + sp.row0 * H * hd, ks, vs, t.attn.f32() + sp.row0 * H * hd, s,
                     scale);
  }
  linear_layer_forward(w.o, t.attn.f32(), N, out, compute);
}

void gqa_backward(const ModelConfig& c, const GqaWeights& w, const RopeFreqs& rope, const float* x,
                  const GqaTape& tape, const float* dy, int64_t N, const SeqSpans& spans,
                  const GqaWeights& grads, float* dx, ComputeType compute) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  Tensor dattn = Tensor::zeros(DType::F32, {N, H * hd});
  linear_layer_backward(w.o, tape.attn.f32(), dy, N, grads.o, dattn.f32(), compute);
  Tensor dq = Tensor::zeros(DType::F32, {N, H, hd});
  Tensor dk = Tensor::zeros(DType::F32, {N, Hk, hd});
  Tensor dv = Tensor::zeros(DType::F32, {N, Hk, hd});
  const float scale = attention_softmax_scale(c);
  for (const SeqSpan& sp : spans) {
    const int64_t q0 = sp.row0 * H * hd, k0 = sp.row0 * Hk * hd;
    attention_causal_backward(tape.q.f32() + q0, tape.k.f32() + k0, tape.v.f32() + k0,
                              dattn.f32() + q0, dq.f32() + q0, dk.f32() + k0, dv.f32() + k0,
                              sequence_shape(c, sp.rows), scale);
    rope_rows(dq.f32(), H, c, rope, sp, true);
    rope_rows(dk.f32(), Hk, c, rope, sp, true);
  }
  linear_layer_backward(w.q, x, dq.f32(), N, grads.q, dx, compute);
  linear_layer_backward(w.k, x, dk.f32(), N, grads.k, dx, compute);
  linear_layer_backward(w.v, x, dv.f32(), N, grads.v, dx, compute);
}

}  // namespace r1
