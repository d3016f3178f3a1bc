// MTP training pair: embedding and hidden-state norms, eh_proj, one decoder block, the shared
// head; the backward reversed, splitting eh_proj's input gradient between the two inputs.
#include "model/mtp_train.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "kernels/cpu/embedding_backward.h"

namespace r1 {

void mtp_train_forward(const MtpParams& p, const ModelConfig& c, TrainAttention& attn,
                       const float* h, const int32_t* next_tokens, int64_t R, const SeqSpans& spans,
                       double balance_alpha, MtpActivations& acts, float* logits) {
  const int64_t D = c.hidden_size, V = c.vocab_size;
  const float eps = float(c.rms_norm_eps);
  acts.emb = Tensor::zeros(DType::F32, {R, D});
  acts.both = Tensor::zeros(DType::F32, {R, 2 * D});
  for (int64_t i = 0; i < R; ++i) {
    const int32_t tok = next_tokens[i];
    if (tok < 0 || tok >= V)
      throw Error("MTP input row " + std::to_string(i) + ": token " + std::to_string(tok) +
                  " is outside the vocabulary [0, " + std::to_string(V) + ")");
    std::copy_n(p.embed + int64_t(tok) * D, D, acts.emb.f32() + i * D);
    float* dst = acts.both.f32() + i * 2 * D;
    rmsnorm(acts.emb.f32() + i * D, p.enorm, dst, 1, D, eps);
    rmsnorm(h + i * D, p.hnorm, dst + D, 1, D, eps);
  }
  acts.u = Tensor::zeros(DType::F32, {R, D});
  linear_params_forward(p.eh_proj, acts.both.f32(), R, acts.u.f32());
  acts.out = Tensor::zeros(DType::F32, {R, D});
  decoder_block_train_forward(p.block, c, attn, acts.u.f32(), R, spans, balance_alpha, acts.block,
                              acts.out.f32());
  acts.normed = Tensor::zeros(DType::F32, {R, D});
  rmsnorm(acts.out.f32(), p.head_norm, acts.normed.f32(), R, D, eps);
  linear_params_forward({p.head, nullptr, V, D}, acts.normed.f32(), R, logits);
}

void mtp_train_backward(const MtpParams& p, const ModelConfig& c, TrainAttention& attn,
                        const float* h, const int32_t* next_tokens, const MtpActivations& acts,
                        const float* dlogits, int64_t R, const SeqSpans& spans,
                        const MtpParams& grads, float* dh) {
  const int64_t D = c.hidden_size, V = c.vocab_size;
  const float eps = float(c.rms_norm_eps);
  Tensor dnormed = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  linear_params_backward({p.head, nullptr, V, D}, acts.normed.f32(), dlogits, R,
                         {grads.head, nullptr, V, D}, dnormed.f32());
  Tensor dout = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  rmsnorm_backward(acts.out.f32(), p.head_norm, dnormed.f32(), dout.f32(), grads.head_norm, R, D,
                   eps);
  Tensor du = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  decoder_block_train_backward(p.block, c, attn, acts.u.f32(), acts.block, dout.f32(), R, spans,
                               grads.block, du.f32());
  Tensor dboth = Tensor::zeros(DType::F32, {R, 2 * D});  // [R, 2D]
  linear_params_backward(p.eh_proj, acts.both.f32(), du.f32(), R, grads.eh_proj, dboth.f32());
  Tensor demb = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  for (int64_t i = 0; i < R; ++i) {
    const float* dbi = dboth.f32() + i * 2 * D;
    rmsnorm_backward(acts.emb.f32() + i * D, p.enorm, dbi, demb.f32() + i * D, grads.enorm, 1, D,
                     eps);
    rmsnorm_backward(h + i * D, p.hnorm, dbi + D, dh + i * D, grads.hnorm, 1, D, eps);
  }
  embedding_backward(next_tokens, demb.f32(), R, D, V, grads.embed);
}

}  // namespace r1
