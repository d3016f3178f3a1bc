// MLA forward: shared query/latent projections, then either the expanded (HF) attention or
// the absorbed attention over the latent cache.
#include "model/mla.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/rope.h"
#include "model/mla_dims.h"

namespace r1 {

namespace {

// q: [T, H, qhd] with RoPE applied to the rope part of every head.
std::vector<float> project_query(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rf,
                                 const float* x, int64_t T, const SeqSpans& spans) {
  const MlaDims d(c);
  std::vector<float> q(size_t(T * d.H * d.qhd));
  if (c.q_lora_rank > 0) {
    std::vector<float> qa(size_t(T * c.q_lora_rank));  // [T, q_lora_rank]
    linear(x, T, w.q_a_proj.weight, w.q_a_proj.bias_ptr(), qa.data());
    rmsnorm(qa.data(), w.q_a_norm.f32(), qa.data(), T, c.q_lora_rank, float(c.rms_norm_eps));
    linear(qa.data(), T, w.q_b_proj.weight, nullptr, q.data());
  } else {
    linear(x, T, w.q_proj.weight, nullptr, q.data());
  }
  for (const SeqSpan& sp : spans)
    rope_apply(q.data() + sp.row0 * d.H * d.qhd, sp.rows, d.H, d.qhd, d.nope, d.rope, sp.pos0,
               rf.inv_freq.data(), rf.mscale, RopeLayout::Interleaved);
  return q;
}

// ckv: [T, lora + rope] = (normalised latent | roped shared key).
std::vector<float> project_latent(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rf,
                                  const float* x, int64_t T, const SeqSpans& spans) {
  const MlaDims d(c);
  std::vector<float> ckv(size_t(T * d.ckv));
  linear(x, T, w.kv_a_proj.weight, w.kv_a_proj.bias_ptr(), ckv.data());
  for (int64_t t = 0; t < T; ++t)
    rmsnorm(ckv.data() + t * d.ckv, w.kv_a_norm.f32(), ckv.data() + t * d.ckv, 1, d.lora,
            float(c.rms_norm_eps));
  for (const SeqSpan& sp : spans)
    rope_apply(ckv.data() + sp.row0 * d.ckv, sp.rows, 1, d.ckv, d.lora, d.rope, sp.pos0,
               rf.inv_freq.data(), rf.mscale, RopeLayout::Interleaved);
  return ckv;
}

// out: head h's rows of kv_b, [nope + v, lora] in f32; in the split layout k_b_h^T over v_b_h.
void kv_b_head_f32(const MlaDims& d, const MlaWeights& w, int64_t h, float* out) {
  if (w.kv_b_proj.weight.defined()) {
    dequantize_rows(w.kv_b_proj.weight, h * (d.nope + d.vd), (h + 1) * (d.nope + d.vd), out);
    return;
  }
  thread_local std::vector<float> kb;  // [lora, nope]
  kb.resize(size_t(d.lora * d.nope));
  dequantize_rows(w.k_b.weight, h * d.lora, (h + 1) * d.lora, kb.data());
  for (int64_t c = 0; c < d.lora; ++c)
    for (int64_t r = 0; r < d.nope; ++r) out[r * d.lora + c] = kb[size_t(c * d.nope + r)];
  dequantize_rows(w.v_b.weight, h * d.vd, (h + 1) * d.vd, out + d.nope * d.lora);
}


// Runs head(h) for every head on the thread pool; each head's product is a serial kernel.
template <typename Fn>
void for_each_head(int64_t H, Fn head) {
  default_thread_pool().parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
    for (int64_t h = h0; h < h1; ++h) head(h);
  });
}

// out: kv_b [H * (nope + v), lora] in f32.
void kv_b_f32(const MlaDims& d, const MlaWeights& w, float* out) {
  for_each_head(d.H, [&](int64_t h) { kv_b_head_f32(d, w, h, out + h * (d.nope + d.vd) * d.lora); });
}

// kv_b_proj as one matrix for the sgemm paths: the stored one, or (split layout) rebuilt in f32
// into `buf`, which must outlive the result.
WeightMatrix kv_b_matrix(const MlaDims& d, const MlaWeights& w, std::vector<float>& buf) {
  if (w.kv_b_proj.weight.defined()) return w.kv_b_proj.weight;
  buf.resize(size_t(d.H * (d.nope + d.vd) * d.lora));
  kv_b_f32(d, w, buf.data());
  WeightMatrix m;
  m.w = Tensor::view(DType::F32, {d.H * (d.nope + d.vd), d.lora}, buf.data(), nullptr);
  return m;
}

// HF path: k = (k_nope from kv_b_proj | shared k_pe), v from kv_b_proj, per head.
// q: [T, H, qhd], ckv: [T, lora + rope], attn: [T, H, v] (one sequence's rows).
void attend_expanded(const ModelConfig& c, const MlaWeights& w, float scale, const float* q,
                     const float* ckv, int64_t T, float* attn) {
  const MlaDims d(c);
  std::vector<float> latent(size_t(T * d.lora));  // [T, lora]
  for (int64_t t = 0; t < T; ++t) std::copy_n(ckv + t * d.ckv, d.lora, latent.data() + t * d.lora);
  std::vector<float> kv(size_t(T * d.H * (d.nope + d.vd)));  // [T, H, nope + v]
  std::vector<float> rebuilt;
  linear(latent.data(), T, kv_b_matrix(d, w, rebuilt), nullptr, kv.data());
  std::vector<float> k(size_t(T * d.H * d.qhd)), v(size_t(T * d.H * d.vd));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < d.H; ++h) {
      const float* src = kv.data() + (t * d.H + h) * (d.nope + d.vd);
      float* kd = k.data() + (t * d.H + h) * d.qhd;
      std::copy_n(src, d.nope, kd);
      std::copy_n(ckv + t * d.ckv + d.lora, d.rope, kd + d.nope);
      std::copy_n(src + d.nope, d.vd, v.data() + (t * d.H + h) * d.vd);
    }
  const AttentionShape s{T, T, d.H, d.H, d.qhd, d.vd, 0, d.H * d.qhd, d.H * d.qhd, d.H * d.vd};
  attention_causal(q, k.data(), v.data(), attn, s, scale);
}

// q_abs[t, h] = (W_uk_h^T q_nope[t, h] | q_pe[t, h]). W_uk_h is head h's nope rows of kv_b
// ([nope, lora]: x^T W) or head h's rows of k_b ([lora, nope], W_uk_h^T: row dots). Few tokens
// (decode): the stored weights, heads over the thread pool. Many: kv_b in f32 and sgemm.
void absorb_query(const MlaDims& d, const MlaWeights& w, const float* q, int64_t N,
                  const float* kvb_f32, float* q_abs) {
  for_each_head(d.H, [&](int64_t h) {
    const int64_t r0 = h * (d.nope + d.vd);
    if (kvb_f32) {
      gemm_f32_serial(q + h * d.qhd, d.H * d.qhd, kvb_f32 + r0 * d.lora, d.lora, q_abs + h * d.ckv,
                       d.H * d.ckv, N, d.lora, d.nope, false);
    } else if (w.kv_b_proj.weight.defined()) {
      gevm_rows(q + h * d.qhd, d.H * d.qhd, N, w.kv_b_proj.weight, r0, r0 + d.nope,
                q_abs + h * d.ckv, d.H * d.ckv);
    } else {
      gemv_rows(q + h * d.qhd, d.H * d.qhd, N, w.k_b.weight, h * d.lora, (h + 1) * d.lora,
                q_abs + h * d.ckv, d.H * d.ckv);
    }
    for (int64_t t = 0; t < N; ++t)
      std::copy_n(q + (t * d.H + h) * d.qhd + d.nope, d.rope,
                  q_abs + (t * d.H + h) * d.ckv + d.lora);
  });
}

// attn[t, h] = W_uv_h out_latent[t, h]: row dots with head h's value rows, of kv_b or of v_b.
void absorb_output(const MlaDims& d, const MlaWeights& w, const float* out_latent, int64_t N,
                   const float* kvb_f32, float* attn) {
  const bool whole = w.kv_b_proj.weight.defined();
  for_each_head(d.H, [&](int64_t h) {
    const int64_t r0 = whole || kvb_f32 ? h * (d.nope + d.vd) + d.nope : h * d.vd;
    if (kvb_f32) {
      gemm_f32_serial(out_latent + h * d.lora, d.H * d.lora, kvb_f32 + r0 * d.lora, d.lora,
                       attn + h * d.vd, d.H * d.vd, N, d.vd, d.lora, true);
    } else {
      gemv_rows(out_latent + h * d.lora, d.H * d.lora, N, whole ? w.kv_b_proj.weight : w.v_b.weight,
                r0, r0 + d.vd, attn + h * d.vd, d.H * d.vd);
    }
  });
}

// Up to this many rows (a batch of decoding sequences) kv_b is read as stored, and a token's
// results do not depend on the batch; more rows: an f32 copy and sgemm.
constexpr int64_t kAbsorbInPlaceMaxRows = 32;

// Absorbed path over the latent caches: scores = (q_nope W_uk) . latent + q_pe . k_pe,
// output = (p . latent) W_uv^T. The projections run on all N rows at once, attention per span.
void attend_absorbed(const ModelConfig& c, const MlaWeights& w, float scale, const float* q,
                     int64_t N, const SeqSpans& spans, int64_t layer, float* attn) {
  const MlaDims d(c);
  // f32 kv_b is used in place by sgemm; other weights are read as stored for up to
  // kAbsorbInPlaceMaxRows rows and turned into f32 kv_b (dequantised, or rebuilt from k_b/v_b)
  // for more, where sgemm repays writing the f32 copy.
  thread_local std::vector<float> dequantised;
  const float* kvb_f32 = nullptr;
  if (w.kv_b_proj.weight.defined() && w.kv_b_proj.weight.w.dtype == DType::F32) {
    kvb_f32 = w.kv_b_proj.weight.w.f32();
  } else if (N > kAbsorbInPlaceMaxRows) {
    dequantised.resize(size_t(d.H * (d.nope + d.vd) * d.lora));
    kv_b_f32(d, w, dequantised.data());
    kvb_f32 = dequantised.data();
  }
  std::vector<float> q_abs(size_t(N * d.H * d.ckv));  // [N, H, lora + rope]
  absorb_query(d, w, q, N, kvb_f32, q_abs.data());
  std::vector<float> out_latent(size_t(N * d.H * d.lora));  // [N, H, lora]
  for (const SeqSpan& sp : spans) {
    const float* kc = sp.cache->layers[size_t(layer)].k.f32();
    const AttentionShape s{sp.rows, sp.pos0 + sp.rows, d.H,         1,     d.ckv,
                           d.lora,  sp.pos0,           d.H * d.ckv, d.ckv, d.ckv};
    attention_causal(q_abs.data() + sp.row0 * d.H * d.ckv, kc, kc,
                     out_latent.data() + sp.row0 * d.H * d.lora, s, scale);
  }
  absorb_output(d, w, out_latent.data(), N, kvb_f32, attn);
}

}  // namespace

void mla_forward(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rope, const float* x,
                 int64_t N, const SeqSpans& spans, int64_t layer, float* out) {
  const MlaDims d(c);
  const float scale = attention_softmax_scale(c);
  const std::vector<float> q = project_query(c, w, rope, x, N, spans);     // [N, H, qhd]
  const std::vector<float> ckv = project_latent(c, w, rope, x, N, spans);  // [N, ckv]
  std::vector<float> attn(size_t(N * d.H * d.vd));                         // [N, H, v]
  const bool cached = spans.front().cache != nullptr;
  for (const SeqSpan& sp : spans) {
    R1_ASSERT((sp.cache != nullptr) == cached);
    if (!cached) continue;
    Tensor& kc = sp.cache->layers[size_t(layer)].k;  // [ctx, ckv]
    R1_ASSERT(sp.pos0 + sp.rows <= kc.dim(0));
    std::copy_n(ckv.data() + sp.row0 * d.ckv, sp.rows * d.ckv, kc.f32() + sp.pos0 * d.ckv);
  }
  // A prompt's first chunk sees only its own keys: expanding them costs the same projection
  // FLOPs as absorbing the queries, and attention then runs on qk/v head dims (192/128 in V3)
  // instead of the latent's (576/512). Cached keys from earlier steps are only in latent form.
  // Decided per sequence, so a sequence is computed the same way whatever batch it is in.
  SeqSpans absorbed;             // the other spans, their rows packed from 0
  std::vector<size_t> source;    // absorbed[j] is spans[source[j]]
  int64_t absorbed_rows = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    const SeqSpan& sp = spans[i];
    if (!cached || (sp.pos0 == 0 && sp.rows > kGemvMaxTokens)) {
      attend_expanded(c, w, scale, q.data() + sp.row0 * d.H * d.qhd, ckv.data() + sp.row0 * d.ckv,
                      sp.rows, attn.data() + sp.row0 * d.H * d.vd);
    } else {
      absorbed.push_back({absorbed_rows, sp.rows, sp.pos0, sp.cache});
      source.push_back(i);
      absorbed_rows += sp.rows;
    }
  }
  if (absorbed_rows == N) {
    attend_absorbed(c, w, scale, q.data(), N, spans, layer, attn.data());
  } else if (absorbed_rows > 0) {
    std::vector<float> q_packed(size_t(absorbed_rows * d.H * d.qhd));     // [rows, H, qhd]
    std::vector<float> attn_packed(size_t(absorbed_rows * d.H * d.vd));  // [rows, H, v]
    for (size_t j = 0; j < absorbed.size(); ++j)
      std::copy_n(q.data() + spans[source[j]].row0 * d.H * d.qhd, absorbed[j].rows * d.H * d.qhd,
                  q_packed.data() + absorbed[j].row0 * d.H * d.qhd);
    attend_absorbed(c, w, scale, q_packed.data(), absorbed_rows, absorbed, layer,
                    attn_packed.data());
    for (size_t j = 0; j < absorbed.size(); ++j)
      std::copy_n(attn_packed.data() + absorbed[j].row0 * d.H * d.vd, absorbed[j].rows * d.H * d.vd,
                  attn.data() + spans[source[j]].row0 * d.H * d.vd);
  }
  linear(attn.data(), N, w.o_proj.weight, w.o_proj.bias_ptr(), out);
}

void mla_kv_b_head_f32(const ModelConfig& c, const MlaWeights& w, int64_t head, float* out) {
  kv_b_head_f32(MlaDims(c), w, head, out);
}

}  // namespace r1
