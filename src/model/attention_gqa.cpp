// GQA forward: projections (+bias), rotate_half RoPE on q and k, causal attention.
#include "model/attention_gqa.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/rope.h"

namespace r1 {

void gqa_forward(const ModelConfig& c, const GqaWeights& w, const RopeFreqs& rope, const float* x,
                 int64_t T, int64_t pos0, LayerCache* cache, float* out) {
  const int64_t H = c.num_attention_heads, Hk = c.num_key_value_heads, hd = c.head_dim;
  std::vector<float> q(size_t(T * H * hd)), k(size_t(T * Hk * hd)), v(size_t(T * Hk * hd));
  linear(x, T, w.q.weight, w.q.bias_ptr(), q.data());  // [T, H, hd]
  linear(x, T, w.k.weight, w.k.bias_ptr(), k.data());  // [T, Hk, hd]
  linear(x, T, w.v.weight, w.v.bias_ptr(), v.data());  // [T, Hk, hd]
  rope_apply(q.data(), T, H, hd, 0, hd, pos0, rope.inv_freq.data(), rope.mscale,
             RopeLayout::HalfSplit);
  rope_apply(k.data(), T, Hk, hd, 0, hd, pos0, rope.inv_freq.data(), rope.mscale,
             RopeLayout::HalfSplit);

  const float* keys = k.data();
  const float* values = v.data();
  if (cache != nullptr) {
    R1_ASSERT(pos0 + T <= cache->k.dim(0));
    std::copy(k.begin(), k.end(), cache->k.f32() + pos0 * Hk * hd);
    std::copy(v.begin(), v.end(), cache->v.f32() + pos0 * Hk * hd);
    keys = cache->k.f32();
    values = cache->v.f32();
  } else {
    R1_ASSERT(pos0 == 0);
  }
  std::vector<float> attn(size_t(T * H * hd));  // [T, H, hd]
  const AttentionShape s{T, pos0 + T, H, Hk, hd, hd, pos0, H * hd, Hk * hd, Hk * hd};
  attention_causal(q.data(), keys, values, attn.data(), s, attention_softmax_scale(c));
  linear(attn.data(), T, w.o.weight, w.o.bias_ptr(), out);
}

}  // namespace r1
