// model_train_step: embedding, the decoder layers in order, the head and its loss; backward is
// the same list reversed. All B * T rows go through each layer together (one GEMM per linear);
// attention runs per sequence inside the attention blocks.
#include "model/model_train.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/tensor.h"
#include "kernels/cpu/embedding_backward.h"
#include "model/model_train_block.h"
#include "model/model_train_head.h"
#include "model/rope_freqs.h"

namespace r1 {

namespace {

// Inputs and next-token targets of every row, [B * T] each, from tokens [B, T + 1].
struct BatchRows {
  std::vector<int32_t> inputs, targets;
};

BatchRows check_and_split(const ModelConfig& c, const TrainBatch& batch,
                          const TrainLossOptions& opt) {
  const int64_t B = batch.B, T = batch.T;
  if (B <= 0 || T <= 0)
    throw FormatError("TrainBatch: B = " + std::to_string(B) + " and T = " + std::to_string(T) +
                      ", expected both positive");
  if (int64_t(batch.tokens.size()) != B * (T + 1))
    throw FormatError("TrainBatch: " + std::to_string(batch.tokens.size()) +
                      " tokens, expected B * (T + 1) = " + std::to_string(B * (T + 1)));
  if (!batch.mask.empty() && int64_t(batch.mask.size()) != B * T)
    throw FormatError("TrainBatch: mask of " + std::to_string(batch.mask.size()) +
                      " values, expected B * T = " + std::to_string(B * T) + " or none");
  if (opt.loss_tokens < 0)
    throw UsageError("TrainLossOptions: loss_tokens = " + std::to_string(opt.loss_tokens) +
                     ", expected >= 0");
  BatchRows rows;
  rows.inputs.reserve(size_t(B * T));
  rows.targets.reserve(size_t(B * T));
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t <= T; ++t) {
      const int32_t id = batch.tokens[size_t(b * (T + 1) + t)];
      if (id < 0 || id >= c.vocab_size)
        throw FormatError("TrainBatch: token id " + std::to_string(id) + " of sequence " +
                          std::to_string(b) + " at position " + std::to_string(t) +
                          " is outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
      if (t < T) rows.inputs.push_back(id);
      if (t > 0) rows.targets.push_back(id);
    }
  }
  return rows;
}

// The rows of the embedding table for the given ids: [N, D].
Tensor embed_rows(const float* embed, const std::vector<int32_t>& ids, int64_t D) {
  Tensor x = Tensor::zeros(DType::F32, {int64_t(ids.size()), D});
  for (size_t i = 0; i < ids.size(); ++i)
    std::copy_n(embed + int64_t(ids[i]) * D, D, x.f32() + int64_t(i) * D);
  return x;
}

// Everything the main model's backward reads, kept per layer.
struct ModelActivations {
  std::vector<Tensor> hidden;  // [L + 1] of [N, D]: hidden[l] is layer l's input
  std::vector<BlockActivations> layers;
};

}  // namespace

TrainStepResult model_train_step(const ModelConfig& c, const TrainWeights& params,
                                 const TrainWeights& grads, const TrainBatch& batch,
                                 const TrainLossOptions& opt) {
  if (c.is_deepseek()) throw ConfigError("training DeepSeek models: not built yet");
  const BatchRows rows = check_and_split(c, batch, opt);
  const int64_t B = batch.B, T = batch.T, N = B * T, D = c.hidden_size, V = c.vocab_size;
  const int64_t L = c.num_hidden_layers;
  const RopeFreqs rope = rope_freqs(c.rope, c.is_deepseek() ? c.qk_rope_head_dim : c.head_dim);
  const uint8_t* mask = batch.mask.empty() ? nullptr : batch.mask.data();

  ModelActivations acts;
  acts.layers.resize(size_t(L));
  acts.hidden.push_back(embed_rows(params.embed, rows.inputs, D));
  for (int64_t l = 0; l < L; ++l) {
    acts.hidden.push_back(Tensor::zeros(DType::F32, {N, D}));
    block_train_forward(c, params.layers[size_t(l)], rope, acts.hidden[size_t(l)].f32(), B, T,
                        acts.layers[size_t(l)], acts.hidden[size_t(l + 1)].f32());
  }

  TrainStepResult result;
  Tensor dx = Tensor::zeros(DType::F32, {N, D});  // [N, D] gradient of the current hidden state
  const HeadLossResult main = head_loss_train(
      c, {params.final_norm, params.lm_head}, acts.hidden[size_t(L)].f32(), rows.targets.data(),
      mask, N, opt.loss_tokens, 1.0, {grads.final_norm, grads.lm_head}, dx.f32());
  result.loss = main.loss;
  result.tokens = main.tokens;

  for (int64_t l = L - 1; l >= 0; --l) {
    Tensor dprev = Tensor::zeros(DType::F32, {N, D});
    block_train_backward(c, params.layers[size_t(l)], rope, acts.hidden[size_t(l)].f32(),
                         acts.layers[size_t(l)], dx.f32(), B, T, grads.layers[size_t(l)],
                         dprev.f32());
    dx = std::move(dprev);
  }
  embedding_backward(rows.inputs.data(), dx.f32(), N, D, V, grads.embed);
  return result;
}

}  // namespace r1
