// MTP: embedding and hidden-state norms, eh_proj, one decoder block, the shared head; the
// backward reversed, splitting eh_proj's input gradient between the two inputs.
#include "model/blocks/mtp.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "kernels/cpu/embedding_backward.h"
#include "model/blocks/linear_layer.h"

namespace r1 {

void mtp_forward(const ModelConfig& c, const MtpWeights& w, const RopeFreqs& rope, const float* h,
                 const int32_t* next_tokens, int64_t R, const SeqSpans& spans, float* logits,
                 ComputeType compute, MtpTape* tape, double balance_alpha) {
  const int64_t D = c.hidden_size, V = c.vocab_size;
  const float eps = float(c.rms_norm_eps);
  MtpTape local;
  MtpTape& t = tape ? *tape : local;
  t.emb = Tensor::zeros(DType::F32, {R, D});
  t.both = Tensor::zeros(DType::F32, {R, 2 * D});
  for (int64_t i = 0; i < R; ++i) {
    const int32_t tok = next_tokens[i];
    if (tok < 0 || tok >= V)
      throw Error("MTP input row " + std::to_string(i) + ": token " + std::to_string(tok) +
                  " is outside the vocabulary [0, " + std::to_string(V) + ")");
    embedding_rows(w.embed, &tok, 1, t.emb.f32() + i * D);
    float* dst = t.both.f32() + i * 2 * D;
    rmsnorm(t.emb.f32() + i * D, w.enorm.f32(), dst, 1, D, eps);
    rmsnorm(h + i * D, w.hnorm.f32(), dst + D, 1, D, eps);
  }
  t.u = Tensor::zeros(DType::F32, {R, D});
  linear_layer_forward(w.eh_proj, t.both.f32(), R, t.u.f32(), compute);
  t.out = Tensor::zeros(DType::F32, {R, D});
  std::copy_n(t.u.f32(), R * D, t.out.f32());
  decoder_block_forward(c, w.block, rope, t.out.f32(), R, spans, c.num_hidden_layers, compute,
                        tape ? &t.block : nullptr, balance_alpha);
  t.normed = Tensor::zeros(DType::F32, {R, D});
  rmsnorm(t.out.f32(), w.head_norm.f32(), t.normed.f32(), R, D, eps);
  matmul(t.normed.f32(), R, w.head, nullptr, logits, compute);
}

void mtp_backward(const ModelConfig& c, const MtpWeights& w, const RopeFreqs& rope, const float* h,
                  const int32_t* next_tokens, const MtpTape& tape, const float* dlogits, int64_t R,
                  const SeqSpans& spans, const MtpWeights& grads, float* dh, ComputeType compute) {
  const int64_t D = c.hidden_size, V = c.vocab_size;
  const float eps = float(c.rms_norm_eps);
  Tensor dnormed = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  matmul_backward(tape.normed.f32(), dlogits, R, w.head, buffer_f32(grads.head.w), nullptr,
                  dnormed.f32(), compute);
  Tensor dout = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  rmsnorm_backward(tape.out.f32(), w.head_norm.f32(), dnormed.f32(), dout.f32(),
                   buffer_f32(grads.head_norm), R, D, eps);
  Tensor du = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  decoder_block_backward(c, w.block, rope, tape.u.f32(), tape.block, dout.f32(), R, spans,
                         grads.block, du.f32(), compute);
  Tensor dboth = Tensor::zeros(DType::F32, {R, 2 * D});  // [R, 2D]
  linear_layer_backward(w.eh_proj, tape.both.f32(), du.f32(), R, grads.eh_proj, dboth.f32(),
                        compute);
  Tensor demb = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  for (int64_t i = 0; i < R; ++i) {
    const float* dbi = dboth.f32() + i * 2 * D;
    rmsnorm_backward(tape.emb.f32() + i * D, w.enorm.f32(), dbi, demb.f32() + i * D,
                     buffer_f32(grads.enorm), 1, D, eps);
    rmsnorm_backward(h + i * D, w.hnorm.f32(), dbi + D, dh + i * D, buffer_f32(grads.hnorm), 1, D,
                     eps);
  }
  embedding_backward(next_tokens, demb.f32(), R, D, V, buffer_f32(grads.embed));
}

}  // namespace r1
