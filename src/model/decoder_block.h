// One decoder layer: x += attn(norm(x)); x += ffn(norm(x)). MLA or GQA attention by
// architecture, MoE or dense SwiGLU by layer.
#pragma once

#include <cstdint>

#include "model/config.h"
#include "model/kv_cache.h"
#include "model/rope_freqs.h"
#include "model/weights.h"

namespace r1 {

// x: [T, D], updated in place.
void decoder_block_forward(const ModelConfig& c, const BlockWeights& w, const RopeFreqs& rope,
                           float* x, int64_t T, int64_t pos0, LayerCache* cache);

}  // namespace r1
