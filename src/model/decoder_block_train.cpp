// Pre-norm residual decoder layer for training: the two sublayers around their norms, and the
// backward through both residual paths.
#include "model/decoder_block_train.h"

#include <algorithm>

#include "core/op_profile.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "model/gqa_train.h"
#include "model/mla_train.h"

namespace r1 {

std::unique_ptr<TrainAttention> make_train_attention(const ModelConfig& c, const RopeFreqs& rope) {
  if (c.is_deepseek()) return std::make_unique<MlaTrainAttention>(c, rope);
  return std::make_unique<GqaTrainAttention>(c, rope);
}

void decoder_block_train_forward(const BlockParams& p, const ModelConfig& c, TrainAttention& attn,
                                 const float* x, int64_t T, const SeqSpans& spans,
                                 double balance_alpha, DecoderBlockActivations& acts, float* out) {
  const int64_t D = c.hidden_size;
  const float eps = float(c.rms_norm_eps);
  acts.attn_in = Tensor::zeros(DType::F32, {T, D});
  acts.h = Tensor::zeros(DType::F32, {T, D});
  acts.ffn_in = Tensor::zeros(DType::F32, {T, D});
  rmsnorm(x, p.attn_norm, acts.attn_in.f32(), T, D, eps);
  {  // the profile's "attention": the sublayer less its projections (timed as matmuls)
    const ProfileScope profile(ProfileOp::Attention);
    attn.forward(p, acts.attn_in.f32(), T, spans, acts.h.f32());
  }
  add_inplace(acts.h.f32(), x, T * D);

  rmsnorm(acts.h.f32(), p.mlp_norm, acts.ffn_in.f32(), T, D, eps);
  acts.balance_loss = 0.0;
  if (p.is_moe) {
    moe_train_forward(p.moe, c, acts.ffn_in.f32(), T, acts.moe, out);
    acts.balance_dscores = Tensor();
    if (balance_alpha > 0.0) {
      acts.balance_dscores = Tensor::zeros(DType::F32, {T, c.n_routed_experts});
      acts.balance_loss =
          moe_balance_loss(c, acts.moe, spans, balance_alpha, acts.balance_dscores.f32());
    }
  } else {
    mlp_train_forward(p.mlp, acts.ffn_in.f32(), T, acts.mlp, out);
  }
  add_inplace(out, acts.h.f32(), T * D);
}

void decoder_block_train_backward(const BlockParams& p, const ModelConfig& c, TrainAttention& attn,
                                  const float* x, const DecoderBlockActivations& acts,
                                  const float* dout, int64_t T, const SeqSpans& spans,
                                  const BlockParams& grads, float* dx) {
  const int64_t D = c.hidden_size;
  const float eps = float(c.rms_norm_eps);
  Tensor dffn_in = Tensor::zeros(DType::F32, {T, D});  // [T, D]
  if (p.is_moe) {
    const Tensor& ds = acts.balance_dscores;
    moe_train_backward(p.moe, c, acts.ffn_in.f32(), acts.moe, dout, T,
                       ds.defined() ? ds.f32() : nullptr, grads.moe, dffn_in.f32());
  } else {
    mlp_train_backward(p.mlp, acts.ffn_in.f32(), acts.mlp, dout, T, grads.mlp, dffn_in.f32());
  }
  Tensor dh = Tensor::zeros(DType::F32, {T, D});  // [T, D] residual + the FFN branch
  std::copy_n(dout, T * D, dh.f32());
  rmsnorm_backward(acts.h.f32(), p.mlp_norm, dffn_in.f32(), dh.f32(), grads.mlp_norm, T, D, eps);

  Tensor dattn_in = Tensor::zeros(DType::F32, {T, D});  // [T, D]
  {
    const ProfileScope profile(ProfileOp::Attention);
    attn.backward(p, acts.attn_in.f32(), dh.f32(), T, spans, grads, dattn_in.f32());
  }
  add_inplace(dx, dh.f32(), T * D);
  rmsnorm_backward(x, p.attn_norm, dattn_in.f32(), dx, grads.attn_norm, T, D, eps);
}

}  // namespace r1
