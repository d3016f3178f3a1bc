// Head and loss in row chunks: each chunk's logits are turned into their gradient in place
// (cross_entropy and target_logprobs_backward may alias), so memory is bounded by the chunk,
// not by rows x vocabulary.
#include "model/blocks/head.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/op_profile.h"
#include "core/tensor.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "kernels/cpu/loss.h"
#include "kernels/cpu/token_logprob.h"
#include "model/weights.h"

namespace r1 {

namespace {

constexpr int64_t kChunkLogits = int64_t(1) << 24;  // floats of logits per chunk (64 MiB)

int64_t counted_rows(const uint8_t* mask, int64_t N) {
  if (!mask) return N;
  return std::count_if(mask, mask + N, [](uint8_t m) { return m != 0; });
}

int64_t chunk_rows(int64_t N, int64_t V) {
  return std::clamp<int64_t>(kChunkLogits / V, 1, N);
}

// logits [n] times 1 / temperature in float, as the sampler scales them (infer/sampler.cpp).
void apply_temperature(float* logits, int64_t n, float temperature) {
  R1_ASSERT(temperature > 0.0f);
  if (temperature == 1.0f) return;
  const float inv_t = 1.0f / temperature;
  for (int64_t i = 0; i < n; ++i) logits[i] *= inv_t;
}

// One chunk of rows [r0, r0 + rows) under a per-token objective: logits [rows, V] are tempered,
// then overwritten by weight / T * dlogp * (onehot - softmax(logits / T)), zero on masked rows.
// -> the objective's loss of the chunk. targets and mask point at the chunk's first row.
double objective_chunk(const TokenObjective& objective, int64_t r0, int64_t rows, int64_t V,
                       const int32_t* targets, const uint8_t* mask, double weight,
                       float temperature, float* logits) {
  std::vector<float> logp(static_cast<size_t>(rows)), dlogp(static_cast<size_t>(rows));
  std::vector<double> lse(static_cast<size_t>(rows));
  apply_temperature(logits, rows * V, temperature);
  target_logprobs(logits, targets, rows, V, logp.data(), lse.data());
  const double loss = objective(r0, rows, logp.data(), dlogp.data());
  // The chain rule through logits * (1 / T): the factor 1 / T on every logit's gradient.
  const double scale = weight * double(1.0f / temperature);
  for (int64_t i = 0; i < rows; ++i)
    dlogp[size_t(i)] = mask && !mask[i] ? 0.0f : float(scale * double(dlogp[size_t(i)]));
  target_logprobs_backward(logits, targets, lse.data(), dlogp.data(), rows, V, logits);
  return loss;
}

}  // namespace

HeadLossResult head_loss_train(const ModelConfig& c, const HeadWeights& w, const float* x,
                               const int32_t* targets, const uint8_t* mask, int64_t N,
                               int64_t normaliser, double weight, const HeadWeights& grads,
                               float* dx, const TokenObjective& objective, float temperature,
                               ComputeType compute) {
  const ProfileScope profile(ProfileOp::HeadLoss);  // less the vocabulary products (matmuls)
  const int64_t D = c.hidden_size, V = c.vocab_size;
  const float eps = float(c.rms_norm_eps);
  HeadLossResult result;
  result.tokens = counted_rows(mask, N);
  const double divisor = double(normaliser > 0 ? normaliser : result.tokens);
  if (result.tokens == 0) return result;  // nothing counts: no loss, no gradient

  Tensor normed = Tensor::zeros(DType::F32, {N, D});
  rmsnorm(x, w.norm.f32(), normed.f32(), N, D, eps);
  Tensor dnormed = Tensor::zeros(DType::F32, {N, D});
  const int64_t chunk = chunk_rows(N, V);
  Tensor logits = Tensor::zeros(DType::F32, {chunk, V});
  for (int64_t r0 = 0; r0 < N; r0 += chunk) {
    const int64_t rows = std::min(chunk, N - r0);
    const float* xn = normed.f32() + r0 * D;  // [rows, D]
    matmul(xn, rows, w.head, nullptr, logits.f32(), compute);
    const uint8_t* chunk_mask = mask ? mask + r0 : nullptr;
    float* g = logits.f32();  // [rows, V] the logits, then their gradient
    if (objective) {
      result.loss +=
          objective_chunk(objective, r0, rows, V, targets + r0, chunk_mask, weight, temperature, g);
      if (counted_rows(chunk_mask, rows) == 0) continue;
    } else {
      // Writes (softmax - onehot) / (counted rows of the chunk) over the logits.
      const CrossEntropyResult ce = cross_entropy(g, targets + r0, chunk_mask, rows, V, g);
      if (ce.tokens == 0) continue;
      result.loss += ce.loss * double(ce.tokens) / divisor;
      const float scale = float(weight * double(ce.tokens) / divisor);
      for (int64_t i = 0; i < rows * V; ++i) g[i] *= scale;
    }
    matmul_backward(xn, g, rows, w.head, buffer_f32(grads.head.w), nullptr, dnormed.f32() + r0 * D,
                    compute);
  }
  rmsnorm_backward(x, w.norm.f32(), dnormed.f32(), dx, buffer_f32(grads.norm), N, D, eps);
  return result;
}

void head_token_logprobs(const ModelConfig& c, const HeadWeights& w, const float* x,
                         const int32_t* targets, int64_t N, float* logp, float temperature,
                         ComputeType compute) {
  const int64_t D = c.hidden_size, V = c.vocab_size;
  Tensor normed = Tensor::zeros(DType::F32, {N, D});
  rmsnorm(x, w.norm.f32(), normed.f32(), N, D, float(c.rms_norm_eps));
  const int64_t chunk = chunk_rows(N, V);
  Tensor logits = Tensor::zeros(DType::F32, {chunk, V});
  std::vector<double> lse(static_cast<size_t>(chunk));
  for (int64_t r0 = 0; r0 < N; r0 += chunk) {
    const int64_t rows = std::min(chunk, N - r0);
    matmul(normed.f32() + r0 * D, rows, w.head, nullptr, logits.f32(), compute);
    apply_temperature(logits.f32(), rows * V, temperature);
    target_logprobs(logits.f32(), targets + r0, rows, V, logp + r0, lse.data());
  }
}

}  // namespace r1
