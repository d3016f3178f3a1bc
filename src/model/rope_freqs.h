// Rotary frequencies of a config: plain, YaRN (DeepSeek) and llama3 scaling, plus the YaRN
// magnitude scales applied to cos/sin and to the softmax.
#pragma once

#include <vector>

#include "model/config.h"

namespace r1 {

struct RopeFreqs {
  std::vector<float> inv_freq;  // [dim / 2]
  float mscale = 1.0f;          // multiplies cos and sin
};

// dim: the rotated head dim (qk_rope_head_dim for DeepSeek, head_dim for dense models).
RopeFreqs rope_freqs(const RopeConfig& rope, int64_t dim);

// YaRN: 0.1 * mscale * ln(scale) + 1 for scale > 1, else 1.
double yarn_get_mscale(double scale, double mscale);

// Softmax scale of attention: head_dim^-0.5, times mscale(factor, mscale_all_dim)^2 under YaRN.
float attention_softmax_scale(const ModelConfig& c);

}  // namespace r1
