// Reference-quality attention: one pass of scores per (query, head), f32 with a stable softmax.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/elementwise.h"

namespace r1 {

void attention_causal(const float* q, const float* k, const float* v, float* out,
                      const AttentionShape& s, float scale) {
  R1_ASSERT(s.Hk > 0 && s.H % s.Hk == 0);
  R1_ASSERT(s.pos0 + s.T <= s.S);
  const int64_t group = s.H / s.Hk;
  std::vector<float> scores(size_t(s.S));
  for (int64_t t = 0; t < s.T; ++t) {
    const int64_t visible = s.pos0 + t + 1;
    for (int64_t h = 0; h < s.H; ++h) {
      const int64_t kh = h / group;
      const float* qv = q + t * s.q_stride + h * s.dk;
      for (int64_t j = 0; j < visible; ++j) {
        const float* kv = k + j * s.k_stride + kh * s.dk;
        float dot = 0.0f;
        for (int64_t d = 0; d < s.dk; ++d) dot += qv[d] * kv[d];
        scores[size_t(j)] = dot * scale;
      }
      softmax_inplace(scores.data(), visible);
      float* o = out + (t * s.H + h) * s.dv;
      std::fill(o, o + s.dv, 0.0f);
      for (int64_t j = 0; j < visible; ++j) {
        const float p = scores[size_t(j)];
        const float* vv = v + j * s.v_stride + kh * s.dv;
        for (int64_t d = 0; d < s.dv; ++d) o[d] += p * vv[d];
      }
    }
  }
}

}  // namespace r1
