// Multi-head latent attention (DeepSeek-V2/V3), forward and backward. The forward is the
// Hugging Face computation (the latent up-projected into per-head keys and values); with a
// cache, decode steps take the absorbed path of mla_absorbed.h, tested against it.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/cpu/matmul.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/rope_freqs.h"
#include "model/weights.h"

namespace r1 {

// What the backward reads, kept by a forward given a tape (H heads, dn/dr/dv the nope, rope and
// value head dims, qhd = dn + dr, r = kv_lora_rank, rq = q_lora_rank).
struct MlaTape {
  Tensor q_a;     // [T, rq] q_a_proj output before q_a_layernorm (q_lora_rank > 0)
  Tensor q_norm;  // [T, rq] its normalised form, the input of q_b_proj (q_lora_rank > 0)
  Tensor q;       // [T, H, qhd] queries, rope part rotated
  Tensor kv_a;    // [T, r + dr] kv_a_proj_with_mqa output (latent before its norm | k_pe unroped)
  Tensor latent;  // [T, r] normalised latent, the input of kv_b_proj
  Tensor k;       // [T, H, qhd] keys: (k_nope of the head | the shared roped k_pe)
  Tensor v;       // [T, H, dv]
  Tensor attn;    // [T, H, dv] attention output, the input of o_proj
};

// x: [N, D] (already normalised) -> out: [N, D]; the rows are the sequences of `spans`, layer
// `layer` of their caches. Spans without a cache (pos0 0) take the expanded path. With a cache
// only the normalised latent and the roped shared key are stored: a prompt's first long chunk is
// still expanded, later rows absorb kv_b_proj into the query (W_uk) and output (W_uv) and attend
// over cache rows 0..pos0+rows-1. A tape (training) needs spans without caches.
void mla_forward(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rope, const float* x,
                 int64_t N, const SeqSpans& spans, int64_t layer, float* out, ComputeType compute,
                 MlaTape* tape = nullptr);

// Gradients of out given dy [T, D], ADDED into grads (the same layer in the gradient tree) and
// dx [T, D]. The shared k_pe collects the sum of its heads' gradients.
void mla_backward(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rope, const float* x,
                  const MlaTape& tape, const float* dy, int64_t T, const SeqSpans& spans,
                  const MlaWeights& grads, float* dx, ComputeType compute);

// Head `head`'s rows of kv_b_proj, [nope + v, kv_lora_rank] in f32, from whichever layout `w`
// holds: the whole matrix, or llama.cpp's per-head split k_b [H * lora, nope] / v_b [H * v, lora].
void mla_kv_b_head_f32(const ModelConfig& c, const MlaWeights& w, int64_t head, float* out);

}  // namespace r1
