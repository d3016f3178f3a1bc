// MLA over the latent cache: kv_b_proj absorbed into the query (W_uk) and output (W_uv), read
// as stored for a few rows (decode, batch invariant), as one f32 matrix and sgemm for more.
#include "model/blocks/mla_absorbed.h"

#include <algorithm>

#include "core/thread_pool.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/linear.h"
#include "model/blocks/mla.h"

namespace r1 {

namespace {

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
  for_each_head(d.H,
                [&](int64_t h) { kv_b_head_f32(d, w, h, out + h * (d.nope + d.vd) * d.lora); });
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

}  // namespace

WeightMatrix mla_kv_b_matrix(const MlaDims& d, const MlaWeights& w, std::vector<float>& buf) {
  if (w.kv_b_proj.weight.defined()) return w.kv_b_proj.weight;
  buf.resize(size_t(d.H * (d.nope + d.vd) * d.lora));
  kv_b_f32(d, w, buf.data());
  WeightMatrix m;
  m.w = Tensor::view(DType::F32, {d.H * (d.nope + d.vd), d.lora}, buf.data(), nullptr);
  return m;
}

void mla_attend_absorbed(const ModelConfig& c, const MlaWeights& w, float scale, const float* q,
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

void mla_kv_b_head_f32(const ModelConfig& c, const MlaWeights& w, int64_t head, float* out) {
  kv_b_head_f32(MlaDims(c), w, head, out);
}

}  // namespace r1
