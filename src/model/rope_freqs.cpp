// Frequency tables computed in f32 as the reference modeling code does.
#include "model/rope_freqs.h"

#include <algorithm>
#include <cmath>

namespace r1 {

double yarn_get_mscale(double scale, double mscale) {
  if (scale <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}

namespace {

double yarn_correction_dim(double num_rotations, int64_t dim, double base, double max_pos) {
  return (double(dim) * std::log(max_pos / (num_rotations * 2.0 * M_PI))) / (2.0 * std::log(base));
}

void apply_yarn(const RopeConfig& r, int64_t dim, RopeFreqs& f) {
  const double orig = double(r.original_max_position_embeddings);
  double low = std::floor(yarn_correction_dim(r.beta_fast, dim, r.theta, orig));
  double high = std::ceil(yarn_correction_dim(r.beta_slow, dim, r.theta, orig));
  low = std::max(low, 0.0);
  high = std::min(high, double(dim - 1));
  if (low == high) high += 0.001;
  for (size_t i = 0; i < f.inv_freq.size(); ++i) {
    const float extra = f.inv_freq[i];
    const float inter = float(extra / r.factor);
    const float ramp = std::clamp(float((double(i) - low) / (high - low)), 0.0f, 1.0f);
    const float extra_mask = 1.0f - ramp;
    f.inv_freq[i] = inter * (1.0f - extra_mask) + extra * extra_mask;
  }
  f.mscale =
      float(yarn_get_mscale(r.factor, r.mscale) / yarn_get_mscale(r.factor, r.mscale_all_dim));
}

void apply_llama3(const RopeConfig& r, RopeFreqs& f) {
  const double orig = double(r.original_max_position_embeddings);
  const double low_wavelen = orig / r.low_freq_factor;
  const double high_wavelen = orig / r.high_freq_factor;
  for (float& freq : f.inv_freq) {
    const double wavelen = 2.0 * M_PI / freq;
    if (wavelen < high_wavelen) continue;
    if (wavelen > low_wavelen) {
      freq = float(freq / r.factor);
    } else {
      const double smooth =
          (orig / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
      freq = float((1.0 - smooth) * freq / r.factor + smooth * freq);
    }
  }
}

}  // namespace

RopeFreqs rope_freqs(const RopeConfig& rope, int64_t dim) {
  RopeFreqs f;
  f.inv_freq.resize(size_t(dim / 2));
  for (int64_t i = 0; i < dim / 2; ++i)
    f.inv_freq[size_t(i)] = float(1.0 / std::pow(rope.theta, double(2 * i) / double(dim)));
  if (rope.type == RopeScaling::Yarn) apply_yarn(rope, dim, f);
  if (rope.type == RopeScaling::Llama3) apply_llama3(rope, f);
  return f;
}

float attention_softmax_scale(const ModelConfig& c) {
  const int64_t head_dim = c.is_deepseek() ? c.q_head_dim() : c.head_dim;
  double scale = 1.0 / std::sqrt(double(head_dim));
  if (c.is_deepseek() && c.rope.type == RopeScaling::Yarn && c.rope.mscale_all_dim != 0.0) {
    const double m = yarn_get_mscale(c.rope.factor, c.rope.mscale_all_dim);
    scale *= m * m;
  }
  return float(scale);
}

}  // namespace r1
