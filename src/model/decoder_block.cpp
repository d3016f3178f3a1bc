// Pre-norm residual decoder layer.
#include "model/decoder_block.h"

#include <vector>

#include "kernels/cpu/elementwise.h"
#include "model/attention_gqa.h"
#include "model/mla.h"
#include "model/mlp.h"
#include "model/moe.h"

namespace r1 {

void decoder_block_forward(const ModelConfig& c, const BlockWeights& w, const RopeFreqs& rope,
                           float* x, int64_t T, int64_t pos0, LayerCache* cache) {
  const int64_t D = c.hidden_size;
  const float eps = float(c.rms_norm_eps);
  std::vector<float> h(size_t(T * D)), y(size_t(T * D));  // [T, D]

  rmsnorm(x, w.attn_norm.f32(), h.data(), T, D, eps);
  if (c.is_deepseek()) {
    mla_forward(c, w.mla, rope, h.data(), T, pos0, cache, y.data());
  } else {
    gqa_forward(c, w.gqa, rope, h.data(), T, pos0, cache, y.data());
  }
  add_inplace(x, y.data(), T * D);

  rmsnorm(x, w.mlp_norm.f32(), h.data(), T, D, eps);
  if (w.is_moe) {
    moe_forward(c, w.moe, h.data(), T, y.data());
  } else {
    mlp_forward(w.mlp, h.data(), T, y.data());
  }
  add_inplace(x, y.data(), T * D);
}

}  // namespace r1
