// Pre-norm residual decoder layer: the two sublayers around their norms, and the backward through
// both residual paths.
#include "model/blocks/decoder_block.h"

#include <algorithm>

#include "core/op_profile.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"

namespace r1 {

void decoder_block_forward(const ModelConfig& c, const BlockWeights& w, const RopeFreqs& rope,
                           float* x, int64_t N, const SeqSpans& spans, int64_t layer,
                           ComputeType compute, BlockTape* tape, double balance_alpha) {
  const int64_t D = c.hidden_size;
  const float eps = float(c.rms_norm_eps);
  BlockTape local;
  BlockTape& t = tape ? *tape : local;
  t.attn_in = Tensor::zeros(DType::F32, {N, D});
  Tensor y = Tensor::zeros(DType::F32, {N, D});  // [N, D] a sublayer's output

  rmsnorm(x, w.attn_norm.f32(), t.attn_in.f32(), N, D, eps);
  {  // the profile's "attention": the sublayer less its projections (timed as matmuls)
    const ProfileScope profile(ProfileOp::Attention);
    if (c.is_deepseek()) {
      mla_forward(c, w.mla, rope, t.attn_in.f32(), N, spans, layer, y.f32(), compute,
                  tape ? &t.mla : nullptr);
    } else {
      gqa_forward(c, w.gqa, rope, t.attn_in.f32(), N, spans, layer, y.f32(), compute,
                  tape ? &t.gqa : nullptr);
    }
  }
  add_inplace(x, y.f32(), N * D);
  if (tape) t.h = Tensor::zeros(DType::F32, {N, D}), std::copy_n(x, N * D, t.h.f32());

  // Untaped, the attention input is dead by now: its buffer takes the FFN input.
  t.ffn_in = tape ? Tensor::zeros(DType::F32, {N, D}) : t.attn_in;
  rmsnorm(x, w.mlp_norm.f32(), t.ffn_in.f32(), N, D, eps);
  t.balance_loss = 0.0;
  t.balance_dscores = Tensor();
  if (w.is_moe) {
    moe_forward(c, w.moe, t.ffn_in.f32(), N, y.f32(), compute, tape ? &t.moe : nullptr);
    if (tape && balance_alpha > 0.0) {
      t.balance_dscores = Tensor::zeros(DType::F32, {N, c.n_routed_experts});
      t.balance_loss = moe_balance_loss(c, t.moe, spans, balance_alpha, t.balance_dscores.f32());
    }
  } else {
    mlp_forward(w.mlp, t.ffn_in.f32(), N, y.f32(), compute, tape ? &t.mlp : nullptr);
  }
  add_inplace(x, y.f32(), N * D);
}

void decoder_block_backward(const ModelConfig& c, const BlockWeights& w, const RopeFreqs& rope,
                            const float* x, const BlockTape& tape, const float* dout, int64_t N,
                            const SeqSpans& spans, const BlockWeights& grads, float* dx,
                            ComputeType compute) {
  const int64_t D = c.hidden_size;
  const float eps = float(c.rms_norm_eps);
  Tensor dffn_in = Tensor::zeros(DType::F32, {N, D});  // [N, D]
  if (w.is_moe) {
    const Tensor& ds = tape.balance_dscores;
    moe_backward(c, w.moe, tape.ffn_in.f32(), tape.moe, dout, N, ds.defined() ? ds.f32() : nullptr,
                 grads.moe, dffn_in.f32(), compute);
  } else {
    mlp_backward(w.mlp, tape.ffn_in.f32(), tape.mlp, dout, N, grads.mlp, dffn_in.f32(), compute);
  }
  Tensor dh = Tensor::zeros(DType::F32, {N, D});  // [N, D] residual + the FFN branch
  std::copy_n(dout, N * D, dh.f32());
  rmsnorm_backward(tape.h.f32(), w.mlp_norm.f32(), dffn_in.f32(), dh.f32(),
                   buffer_f32(grads.mlp_norm), N, D, eps);

  Tensor dattn_in = Tensor::zeros(DType::F32, {N, D});  // [N, D]
  {
    const ProfileScope profile(ProfileOp::Attention);
    if (c.is_deepseek()) {
      mla_backward(c, w.mla, rope, tape.attn_in.f32(), tape.mla, dh.f32(), N, spans, grads.mla,
                   dattn_in.f32(), compute);
    } else {
      gqa_backward(c, w.gqa, rope, tape.attn_in.f32(), tape.gqa, dh.f32(), N, spans, grads.gqa,
                   dattn_in.f32(), compute);
    }
  }
  add_inplace(dx, dh.f32(), N * D);
  rmsnorm_backward(x, w.attn_norm.f32(), dattn_in.f32(), dx, buffer_f32(grads.attn_norm), N, D,
                   eps);
}

}  // namespace r1
