// Multi-head latent attention (DeepSeek-V2/V3).
#pragma once

#include <cstdint>

#include "model/config.h"
#include "model/kv_cache.h"
#include "model/rope_freqs.h"
#include "model/weights.h"

namespace r1 {

// x: [T, D] (already normalised), out: [T, D]. Tokens sit at positions pos0..pos0+T-1.
// cache == nullptr: the full-sequence path exactly as the Hugging Face code (per-head keys and
// values expanded with kv_b_proj), pos0 must be 0. With a cache: only the normalised latent and
// the roped shared key are stored, and kv_b_proj is absorbed into the query (W_uk) and the
// output (W_uv); attention reads cache rows 0..pos0+T-1.
void mla_forward(const ModelConfig& c, const MlaWeights& w, const RopeFreqs& rope, const float* x,
                 int64_t T, int64_t pos0, LayerCache* cache, float* out);

}  // namespace r1
