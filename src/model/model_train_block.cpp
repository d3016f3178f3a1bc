// One decoder layer for training: two pre-norm residual sublayers. attention_* and mlp_* are
// the dispatch points where each architecture's block is called.
#include "model/model_train_block.h"

#include <algorithm>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"

namespace r1 {

namespace {

void attention_forward(const ModelConfig& c, const BlockParams& p, const RopeFreqs& rope,
                       const float* x, int64_t B, int64_t T, BlockActivations& acts, float* y) {
  gqa_train_forward(c, p.gqa, rope, x, B, T, acts.gqa, y);
}

void attention_backward(const ModelConfig& c, const BlockParams& p, const RopeFreqs& rope,
                        const BlockActivations& acts, const float* dy, int64_t B, int64_t T,
                        const BlockParams& grads, float* dx) {
  gqa_train_backward(c, p.gqa, rope, acts.attn_in.f32(), acts.gqa, dy, B, T, grads.gqa, dx);
}

// B and T separately: the MoE balance loss is per sequence.
void mlp_forward(const BlockParams& p, const float* x, int64_t B, int64_t T,
                 BlockActivations& acts, float* y) {
  mlp_train_forward(p.mlp, x, B * T, acts.mlp, y);
}

void mlp_backward(const BlockParams& p, const BlockActivations& acts, const float* dy, int64_t B,
                  int64_t T, const BlockParams& grads, float* dx) {
  mlp_train_backward(p.mlp, acts.mlp_in.f32(), acts.mlp, dy, B * T, grads.mlp, dx);
}

}  // namespace

void block_train_forward(const ModelConfig& c, const BlockParams& p, const RopeFreqs& rope,
                         const float* x, int64_t B, int64_t T, BlockActivations& acts, float* y) {
  const int64_t N = B * T, D = c.hidden_size;
  const float eps = float(c.rms_norm_eps);
  acts.attn_in = Tensor::zeros(DType::F32, {N, D});
  rmsnorm(x, p.attn_norm, acts.attn_in.f32(), N, D, eps);
  acts.h = Tensor::zeros(DType::F32, {N, D});
  attention_forward(c, p, rope, acts.attn_in.f32(), B, T, acts, acts.h.f32());
  add_inplace(acts.h.f32(), x, N * D);
  acts.mlp_in = Tensor::zeros(DType::F32, {N, D});
  rmsnorm(acts.h.f32(), p.mlp_norm, acts.mlp_in.f32(), N, D, eps);
  mlp_forward(p, acts.mlp_in.f32(), B, T, acts, y);
  add_inplace(y, acts.h.f32(), N * D);
}

void block_train_backward(const ModelConfig& c, const BlockParams& p, const RopeFreqs& rope,
                          const float* x, const BlockActivations& acts, const float* dy,
                          int64_t B, int64_t T, const BlockParams& grads, float* dx) {
  const int64_t N = B * T, D = c.hidden_size;
  const float eps = float(c.rms_norm_eps);
  // dh = dy (residual) + the MLP branch through its norm.
  Tensor dh = Tensor::zeros(DType::F32, {N, D});
  std::copy_n(dy, N * D, dh.f32());
  Tensor dmlp_in = Tensor::zeros(DType::F32, {N, D});
  mlp_backward(p, acts, dy, B, T, grads, dmlp_in.f32());
  rmsnorm_backward(acts.h.f32(), p.mlp_norm, dmlp_in.f32(), dh.f32(), grads.mlp_norm, N, D, eps);
  // dx += dh (residual) + the attention branch through its norm.
  add_inplace(dx, dh.f32(), N * D);
  Tensor dattn_in = Tensor::zeros(DType::F32, {N, D});
  attention_backward(c, p, rope, acts, dh.f32(), B, T, grads, dattn_in.f32());
  rmsnorm_backward(x, p.attn_norm, dattn_in.f32(), dx, grads.attn_norm, N, D, eps);
}

}  // namespace r1
