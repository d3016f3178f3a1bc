// Head and loss in row chunks: each chunk's logits are turned into their gradient in place
// (cross_entropy may alias), so memory is bounded by the chunk, not by rows x vocabulary.
#include "model/model_train_head.h"

#include <algorithm>

#include "core/op_profile.h"
#include "core/tensor.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "kernels/cpu/loss.h"
#include "model/train_weights.h"

namespace r1 {

namespace {

constexpr int64_t kChunkLogits = int64_t(1) << 24;  // floats of logits per chunk (64 MiB)

int64_t counted_rows(const uint8_t* mask, int64_t N) {
  if (!mask) return N;
  return std::count_if(mask, mask + N, [](uint8_t m) { return m != 0; });
}

}  // namespace

HeadLossResult head_loss_train(const ModelConfig& c, const HeadParams& p, const float* x,
                               const int32_t* targets, const uint8_t* mask, int64_t N,
                               int64_t normaliser, double weight, const HeadParams& grads,
                               float* dx) {
  const ProfileScope profile(ProfileOp::HeadLoss);  // less the vocabulary products (matmuls)
  const int64_t D = c.hidden_size, V = c.vocab_size;
  const float eps = float(c.rms_norm_eps);
  HeadLossResult result;
  result.tokens = counted_rows(mask, N);
  const double divisor = double(normaliser > 0 ? normaliser : result.tokens);
  if (divisor == 0.0) return result;  // nothing counts: no loss, no gradient

  Tensor normed = Tensor::zeros(DType::F32, {N, D});
  rmsnorm(x, p.norm, normed.f32(), N, D, eps);
  Tensor dnormed = Tensor::zeros(DType::F32, {N, D});
  const LinearParams head{p.head, nullptr, V, D}, dhead{grads.head, nullptr, V, D};
  const int64_t chunk = std::clamp<int64_t>(kChunkLogits / V, 1, N);
  Tensor logits = Tensor::zeros(DType::F32, {chunk, V});
  for (int64_t r0 = 0; r0 < N; r0 += chunk) {
    const int64_t rows = std::min(chunk, N - r0);
    const float* xn = normed.f32() + r0 * D;  // [rows, D]
    linear_params_forward(head, xn, rows, logits.f32());
    // Writes (softmax - onehot) / (counted rows of the chunk) over the logits.
    const CrossEntropyResult ce = cross_entropy(logits.f32(), targets + r0,
                                                mask ? mask + r0 : nullptr, rows, V, logits.f32());
    if (ce.tokens == 0) continue;
    result.loss += ce.loss * double(ce.tokens) / divisor;
    const float scale = float(weight * double(ce.tokens) / divisor);
    float* g = logits.f32();
    for (int64_t i = 0; i < rows * V; ++i) g[i] *= scale;
    linear_params_backward(head, xn, g, rows, dhead, dnormed.f32() + r0 * D);
  }
  rmsnorm_backward(x, p.norm, dnormed.f32(), dx, grads.norm, N, D, eps);
  return result;
}

}  // namespace r1
