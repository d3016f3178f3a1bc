// RoPE and its backward: angles in f32 as the reference implementations compute them
// (t * inv_freq).
#include "kernels/cpu/rope.h"

#include <cmath>
#include <vector>

namespace r1 {

namespace {

// Rotates each pair by +angle (direction 1, the forward) or -angle (direction -1, the backward:
// R(angle)^T = R(-angle)), scaled by mscale.
void rotate(float* x, int64_t T, int64_t n_heads, int64_t head_stride, int64_t offset, int64_t dim,
            int64_t pos0, const float* inv_freq, float mscale, RopeLayout layout, float direction) {
  const int64_t half = dim / 2;
  std::vector<float> cs(size_t(half) * 2);
  for (int64_t t = 0; t < T; ++t) {
    const float pos = float(pos0 + t);
    for (int64_t i = 0; i < half; ++i) {
      const float angle = pos * inv_freq[i];
      cs[size_t(2 * i)] = std::cos(angle) * mscale;
      cs[size_t(2 * i + 1)] = direction * std::sin(angle) * mscale;
    }
    for (int64_t h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_stride + offset;
      for (int64_t i = 0; i < half; ++i) {
        const float c = cs[size_t(2 * i)], s = cs[size_t(2 * i + 1)];
        float* a = layout == RopeLayout::Interleaved ? v + 2 * i : v + i;
        float* b = layout == RopeLayout::Interleaved ? v + 2 * i + 1 : v + i + half;
        const float x0 = *a, x1 = *b;
        *a = x0 * c - x1 * s;
        *b = x1 * c + x0 * s;
      }
    }
  }
}

}  // namespace

void rope_apply(float* x, int64_t T, int64_t n_heads, int64_t head_stride, int64_t offset,
                int64_t dim, int64_t pos0, const float* inv_freq, float mscale, RopeLayout layout) {
  rotate(x, T, n_heads, head_stride, offset, dim, pos0, inv_freq, mscale, layout, 1.0f);
}

void rope_backward(float* dx, int64_t T, int64_t n_heads, int64_t head_stride, int64_t offset,
                   int64_t dim, int64_t pos0, const float* inv_freq, float mscale,
                   RopeLayout layout) {
  rotate(dx, T, n_heads, head_stride, offset, dim, pos0, inv_freq, mscale, layout, -1.0f);
}

}  // namespace r1
