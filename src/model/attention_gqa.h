// Grouped-query attention of the dense models (Qwen2 with q/k/v bias, Llama).
#pragma once

#include <cstdint>

#include "model/config.h"
#include "model/kv_cache.h"
#include "model/rope_freqs.h"
#include "model/weights.h"

namespace r1 {

// x: [T, D] (already normalised), out: [T, D]; positions pos0..pos0+T-1. With a cache, keys and
// values are appended to it and attention reads rows 0..pos0+T-1; without one, pos0 must be 0.
void gqa_forward(const ModelConfig& c, const GqaWeights& w, const RopeFreqs& rope, const float* x,
                 int64_t T, int64_t pos0, LayerCache* cache, float* out);

}  // namespace r1
