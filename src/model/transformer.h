// The whole model, both directions: the forward over token rows (inference: logits for chosen
// rows, caches advanced), one training step on a batch of token sequences (forward, loss,
// backward, gradients ADDED into a gradient tree), and the forward-only log-probabilities of a
// batch's targets (old-policy and reference log-probabilities of RL).
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "kernels/cpu/matmul.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/later_stages.h"
#include "model/rope_freqs.h"
#include "model/token_objective.h"
#include "model/weights.h"

namespace r1 {

// Inference: tokens [N] laid out as `spans` (each appended to its cache at pos0 when it has one)
// through embed, every decoder layer, the final norm and the head, for the rows `logit_rows`:
// logits [rows, V]. hidden (optional): the last layer's output before the final norm, [N, D].
// Caches advance by their span's rows. later (optional): a pipeline's later stages, which run
// the layers from later->first_layer() on; `w` then holds only the layers before those.
Tensor transformer_forward(const ModelConfig& c, const ModelWeights& w, const RopeFreqs& rope,
                           const std::vector<int32_t>& tokens, const SeqSpans& spans,
                           const std::vector<int64_t>& logit_rows, Tensor* hidden,
                           LaterStages* later = nullptr);

// transformer_forward in two halves, for passes in flight through a pipeline's later stages:
// the embedding and the layers before end_layer, returning x [N, D]; then, on x after the last
// layer, the final norm and head for logit_rows (hidden and the caches as transformer_forward).
Tensor transformer_start(const ModelConfig& c, const ModelWeights& w, const RopeFreqs& rope,
                         const std::vector<int32_t>& tokens, const SeqSpans& spans,
                         int64_t end_layer);
Tensor transformer_finish(const ModelConfig& c, const ModelWeights& w, const Tensor& x,
                          const SeqSpans& spans, const std::vector<int64_t>& logit_rows,
                          Tensor* hidden);

// Decoder layers [first, end) over x [N, D] in place (the rows of `spans`, whose caches they
// read and write; the caches' lengths are left to the caller): the middle of
// transformer_forward, and all that a pipeline stage runs.
void decoder_layers_forward(const ModelConfig& c, const ModelWeights& w, const RopeFreqs& rope,
                            float* x, int64_t N, const SeqSpans& spans, int64_t first, int64_t end);

// Every span's cache holds its rows: length = pos0 + rows.
void advance_caches(const SeqSpans& spans);

struct TrainBatch {
  int64_t B = 0, T = 0;
  // [B, T + 1]: row b predicts tokens[b][1..T] from tokens[b][0..T-1].
  std::vector<int32_t> tokens;
  // [B, T]: nonzero where predicting tokens[b][t + 1] counts; empty = every position counts.
  std::vector<uint8_t> mask;
};

// The MTP predictions of a batch that count: row (b, i), i < T - 1, where mask[b][i + 1] is
// nonzero (every one without a mask).
int64_t mtp_counted_predictions(const TrainBatch& batch);

struct TrainLossOptions {
  double mtp_lambda = 0.0;  // weight of the MTP cross-entropy (DeepSeek-V3)
  double aux_alpha = 0.0;   // weight of the sequence-wise MoE balance loss
  // Normaliser of the main loss: the counted tokens of the whole optimizer step (all
  // micro-batches), so that summed micro-batch gradients equal the full batch's; 0 = this
  // batch's count.
  int64_t loss_tokens = 0;
  // Normaliser of the MTP loss, a mean over the micro-batch's counted predictions: their count in
  // the whole micro-batch (mtp_counted_predictions) when this batch is some of its rows (data
  // parallel), so the ranks' parts add up; 0 = this batch's count.
  int64_t mtp_tokens = 0;
  // Keep only each layer's input during the forward and run the layer's forward again just
  // before its backward: activation memory of one layer instead of all, for a second forward.
  // The gradients are bit-identical.
  bool recompute = false;
  // When set, replaces the main cross-entropy (loss_tokens then does not apply): the main
  // loss is the objective's sum over the batch's rows, row b * T + t predicting
  // tokens[b][t + 1]; masked rows get no gradient (see TokenObjective). MTP and balance
  // losses are unchanged.
  TokenObjective objective = nullptr;
  // The objective's logp are of log_softmax(logits / temperature) (> 0): the distribution RL
  // sampled its rollouts from at that temperature. Only with an objective.
  float temperature = 1.0f;
  // The dense matmuls' operands (linear layers, experts, heads; forward, dx and dW) in bf16 with
  // f32 accumulation; attention, norms, losses, the router and all stored tensors stay f32.
  ComputeType compute = ComputeType::F32;
};

struct TrainStepResult {
  double loss = 0;      // main cross-entropy summed over counted tokens / loss_tokens, or the
                        // objective's summed value
  double mtp_loss = 0;  // MTP cross-entropy (before mtp_lambda)
  double aux_loss = 0;  // balance loss (before aux_alpha)
  int64_t tokens = 0;   // counted tokens of this batch
  std::vector<std::vector<int64_t>> expert_load;  // [MoE layer][E] routed token counts
};

// Runs forward and backward on every sequence of the batch (independent sequences, positions
// 0..T-1 each) and ADDS the gradient of loss + mtp_lambda * mtp_loss + aux_alpha * aux_loss
// into `grads` (the gradient tree: a weights_view of a buffer of the parameters' layout, zeroed
// by the caller). FormatError for a batch whose sizes disagree or whose tokens are outside the
// vocabulary.
TrainStepResult model_train_step(const ModelConfig& c, const ModelWeights& params,
                                 const ModelWeights& grads, const TrainBatch& batch,
                                 const TrainLossOptions& opt);

// Forward only, each layer's tape dropped once its output exists: logp [B, T] with logp[b][t] =
// log_softmax(logits / temperature)[tokens[b][t + 1]] at every position (the mask is not read).
// The numbers are those the objective of model_train_step sees for the same parameters, batch,
// compute type and temperature, bit for bit, so an old-policy ratio starts at exactly 1.
// FormatError as model_train_step.
std::vector<float> model_token_logprobs(const ModelConfig& c, const ModelWeights& params,
                                        const TrainBatch& batch, ComputeType compute,
                                        float temperature = 1.0f);

}  // namespace r1
