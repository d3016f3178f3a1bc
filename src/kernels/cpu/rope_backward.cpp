// The same f32 angles as rope_apply (pos * inv_freq), rotated the other way.
#include "kernels/cpu/rope_backward.h"

#include <cmath>
#include <vector>

namespace r1 {

void rope_backward(float* dx, int64_t T, int64_t n_heads, int64_t head_stride, int64_t offset,
                   int64_t dim, int64_t pos0, const float* inv_freq, float mscale,
                   RopeLayout layout) {
  const int64_t half = dim / 2;
  std::vector<float> cs(static_cast<size_t>(half * 2));
  for (int64_t t = 0; t < T; ++t) {
    const float pos = float(pos0 + t);
    for (int64_t i = 0; i < half; ++i) {
      const float angle = pos * inv_freq[i];
      cs[size_t(2 * i)] = std::cos(angle) * mscale;
      cs[size_t(2 * i + 1)] = std::sin(angle) * mscale;
    }
    for (int64_t h = 0; h < n_heads; ++h) {
      float* g = dx + (t * n_heads + h) * head_stride + offset;
      for (int64_t i = 0; i < half; ++i) {
        const float c = cs[size_t(2 * i)], s = cs[size_t(2 * i + 1)];
        float* a = layout == RopeLayout::Interleaved ? g + 2 * i : g + i;
        float* b = layout == RopeLayout::Interleaved ? g + 2 * i + 1 : g + i + half;
        const float g0 = *a, g1 = *b;
        *a = g0 * c + g1 * s;
        *b = g1 * c - g0 * s;
      }
    }
  }
}

}  // namespace r1
