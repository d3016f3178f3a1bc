// The whole model as one straight list: embed -> decoder layers -> final norm -> head (+ the MTP
// module); the training step runs the same list with tapes, then backward in reverse. All rows go
// through each layer together (one GEMM per linear); attention and the balance loss run per
// sequence (the spans).
#include "model/transformer.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/op_profile.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/embedding_backward.h"
#include "kernels/cpu/loss.h"
#include "model/blocks/decoder_block.h"
#include "model/blocks/head.h"
#include "model/blocks/mtp.h"

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

// The embedding rows of tokens [N]: [N, D] f32.
Tensor embed(const ModelWeights& w, const std::vector<int32_t>& tokens, int64_t D) {
  Tensor x = Tensor::zeros(DType::F32, {int64_t(tokens.size()), D});
  embedding_rows(w.embed, tokens.data(), int64_t(tokens.size()), x.f32());
  return x;
}

// B sequences of `rows` rows each, at positions 0..rows-1.
SeqSpans sequence_spans(int64_t B, int64_t rows) {
  SeqSpans spans;
  for (int64_t b = 0; b < B; ++b) spans.push_back({b * rows, rows, 0, nullptr});
  return spans;
}

RopeFreqs model_rope(const ModelConfig& c) {
  return rope_freqs(c.rope, c.is_deepseek() ? c.qk_rope_head_dim : c.head_dim);
}

// The MTP rows of a batch: row (b, i) for i < T - 1 combines hidden state (b, i) with input
// token (b, i + 1) and predicts token (b, i + 2); it counts where mask[b][i + 1] does.
struct MtpRows {
  std::vector<int64_t> hidden_row;  // [B * (T - 1)] row of the main hidden state
  std::vector<int32_t> next, targets;
  std::vector<uint8_t> mask;
};

MtpRows mtp_rows(const TrainBatch& batch, const std::vector<int32_t>& inputs) {
  const int64_t B = batch.B, T = batch.T;
  MtpRows m;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i + 1 < T; ++i) {
      m.hidden_row.push_back(b * T + i);
      m.next.push_back(inputs[size_t(b * T + i + 1)]);
      m.targets.push_back(batch.tokens[size_t(b * (T + 1) + i + 2)]);
      m.mask.push_back(batch.mask.empty() ? 1 : batch.mask[size_t(b * T + i + 1)]);
    }
  return m;
}

// The MTP loss (mean over the counted predictions, of which there are mtp_tokens in the whole
// micro-batch; 0: this batch's) and its gradient, weight mtp_lambda, ADDED into grads and
// dhidden [N, D].
double mtp_loss_train(const ModelConfig& c, const MtpWeights& w, const MtpWeights& g,
                      const RopeFreqs& rope, const TrainBatch& batch,
                      const std::vector<int32_t>& inputs, const float* hidden, double mtp_lambda,
                      int64_t mtp_tokens, ComputeType compute, float* dhidden) {
  const int64_t T = batch.T, D = c.hidden_size, V = c.vocab_size;
  if (T < 2) return 0.0;
  const MtpRows m = mtp_rows(batch, inputs);
  const int64_t R = int64_t(m.next.size());
  const SeqSpans spans = sequence_spans(batch.B, T - 1);
  Tensor h = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  for (int64_t r = 0; r < R; ++r)
    std::copy_n(hidden + m.hidden_row[size_t(r)] * D, D, h.f32() + r * D);
  MtpTape tape;
  Tensor logits = Tensor::zeros(DType::F32, {R, V});  // [R, V], then its gradient
  mtp_forward(c, w, rope, h.f32(), m.next.data(), R, spans, logits.f32(), compute, &tape);
  CrossEntropyResult ce;
  float* dlogits = logits.f32();
  {
    const ProfileScope profile(ProfileOp::HeadLoss);
    ce = cross_entropy(logits.f32(), m.targets.data(), m.mask.data(), R, V, logits.f32());
    // This batch's mean as its part of the whole micro-batch's.
    const double part = mtp_tokens > 0 ? double(ce.tokens) / double(mtp_tokens) : 1.0;
    ce.loss *= part;
    for (int64_t i = 0; i < R * V; ++i) dlogits[i] *= float(mtp_lambda * part);
  }
  Tensor dh = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  mtp_backward(c, w, rope, h.f32(), m.next.data(), tape, dlogits, R, spans, g, dh.f32(), compute);
  for (int64_t r = 0; r < R; ++r) {
    float* dst = dhidden + m.hidden_row[size_t(r)] * D;
    for (int64_t d = 0; d < D; ++d) dst[d] += dh.f32()[r * D + d];
  }
  return ce.loss;
}

}  // namespace

int64_t mtp_counted_predictions(const TrainBatch& batch) {
  if (batch.T < 2) return 0;
  if (batch.mask.empty()) return batch.B * (batch.T - 1);
  int64_t n = 0;
  for (int64_t b = 0; b < batch.B; ++b)
    for (int64_t i = 0; i + 1 < batch.T; ++i) n += batch.mask[size_t(b * batch.T + i + 1)] != 0;
  return n;
}

void decoder_layers_forward(const ModelConfig& c, const ModelWeights& w, const RopeFreqs& rope,
                            float* x, int64_t N, const SeqSpans& spans, int64_t first,
                            int64_t end) {
  for (int64_t i = first; i < end; ++i)
    decoder_block_forward(c, w.layers[size_t(i)], rope, x, N, spans, i, ComputeType::F32);
}

void advance_caches(const SeqSpans& spans) {
  for (const SeqSpan& sp : spans)
    if (sp.cache) sp.cache->length = sp.pos0 + sp.rows;
}

Tensor transformer_forward(const ModelConfig& c, const ModelWeights& w, const RopeFreqs& rope,
                           const std::vector<int32_t>& tokens, const SeqSpans& spans,
                           const std::vector<int64_t>& logit_rows, Tensor* hidden,
                           LaterStages* later) {
  Tensor x = transformer_start(c, w, rope, tokens, spans,
                               later ? later->first_layer() : c.num_hidden_layers);
  if (later) later->forward(x.f32(), int64_t(tokens.size()), spans);
  return transformer_finish(c, w, x, spans, logit_rows, hidden);
}

Tensor transformer_start(const ModelConfig& c, const ModelWeights& w, const RopeFreqs& rope,
                         const std::vector<int32_t>& tokens, const SeqSpans& spans,
                         int64_t end_layer) {
  const int64_t N = int64_t(tokens.size());
  Tensor x = embed(w, tokens, c.hidden_size);  // [N, D] residual stream
  decoder_layers_forward(c, w, rope, x.f32(), N, spans, 0, end_layer);
  return x;
}

Tensor transformer_finish(const ModelConfig& c, const ModelWeights& w, const Tensor& x,
                          const SeqSpans& spans, const std::vector<int64_t>& logit_rows,
                          Tensor* hidden) {
  const int64_t N = x.dim(0), D = c.hidden_size, V = c.vocab_size;
  if (hidden) {
    *hidden = Tensor::zeros(DType::F32, {N, D});
    std::copy_n(x.f32(), N * D, hidden->f32());
  }
  const int64_t R = int64_t(logit_rows.size());
  Tensor normed = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  for (int64_t r = 0; r < R; ++r)
    rmsnorm(x.f32() + logit_rows[size_t(r)] * D, w.final_norm.f32(), normed.f32() + r * D, 1, D,
            float(c.rms_norm_eps));
  Tensor logits = Tensor::zeros(DType::F32, {R, V});  // [R, V]
  matmul(normed.f32(), R, w.lm_head, nullptr, logits.f32(), ComputeType::F32);
  advance_caches(spans);
  return logits;
}

TrainStepResult model_train_step(const ModelConfig& c, const ModelWeights& params,
                                 const ModelWeights& grads, const TrainBatch& batch,
                                 const TrainLossOptions& opt) {
  const BatchRows rows = check_and_split(c, batch, opt);
  const int64_t B = batch.B, T = batch.T, N = B * T, D = c.hidden_size, V = c.vocab_size;
  const int64_t L = c.num_hidden_layers;
  const RopeFreqs rope = model_rope(c);
  const uint8_t* mask = batch.mask.empty() ? nullptr : batch.mask.data();
  const SeqSpans spans = sequence_spans(B, T);

  TrainStepResult result;
  std::vector<Tensor> hidden;  // [L + 1] of [N, D]: hidden[l] is layer l's input
  std::vector<BlockTape> tapes(static_cast<size_t>(L));
  hidden.push_back(embed(params, rows.inputs, D));
  for (int64_t l = 0; l < L; ++l) {
    hidden.push_back(Tensor::zeros(DType::F32, {N, D}));
    std::copy_n(hidden[size_t(l)].f32(), N * D, hidden[size_t(l + 1)].f32());
    BlockTape& tape = tapes[size_t(l)];
    decoder_block_forward(c, params.layers[size_t(l)], rope, hidden[size_t(l + 1)].f32(), N, spans,
                          l, opt.compute, &tape, opt.aux_alpha);
    if (params.layers[size_t(l)].is_moe) {
      result.expert_load.push_back(tape.moe.load);
      if (opt.aux_alpha > 0.0) result.aux_loss += tape.balance_loss / opt.aux_alpha;
    }
    // Recompute: only the layer's input is kept; its tape is rebuilt before its backward.
    if (opt.recompute) tape = BlockTape();
  }

  Tensor dx = Tensor::zeros(DType::F32, {N, D});  // [N, D] gradient of the current hidden state
  const HeadLossResult main = head_loss_train(
      c, {params.final_norm, params.lm_head}, hidden[size_t(L)].f32(), rows.targets.data(), mask, N,
      opt.loss_tokens, 1.0, {grads.final_norm, grads.lm_head}, dx.f32(), opt.objective,
      opt.temperature, opt.compute);
  result.loss = main.loss;
  result.tokens = main.tokens;
  if (opt.mtp_lambda != 0.0 && !params.mtp.empty())
    result.mtp_loss = mtp_loss_train(c, params.mtp[0], grads.mtp[0], rope, batch, rows.inputs,
                                     hidden[size_t(L)].f32(), opt.mtp_lambda, opt.mtp_tokens,
                                     opt.compute, dx.f32());

  for (int64_t l = L - 1; l >= 0; --l) {
    BlockTape& tape = tapes[size_t(l)];
    if (opt.recompute) {
      Tensor out = Tensor::zeros(DType::F32, {N, D});  // equal to hidden[l + 1]
      std::copy_n(hidden[size_t(l)].f32(), N * D, out.f32());
      decoder_block_forward(c, params.layers[size_t(l)], rope, out.f32(), N, spans, l, opt.compute,
                            &tape, opt.aux_alpha);
    }
    Tensor dprev = Tensor::zeros(DType::F32, {N, D});
    decoder_block_backward(c, params.layers[size_t(l)], rope, hidden[size_t(l)].f32(), tape,
                           dx.f32(), N, spans, grads.layers[size_t(l)], dprev.f32(), opt.compute);
    dx = std::move(dprev);
    tape = BlockTape();  // no longer needed
  }
  embedding_backward(rows.inputs.data(), dx.f32(), N, D, V, buffer_f32(grads.embed));
  return result;
}

std::vector<float> model_token_logprobs(const ModelConfig& c, const ModelWeights& params,
                                        const TrainBatch& batch, ComputeType compute,
                                        float temperature) {
  const BatchRows rows = check_and_split(c, batch, {});
  const int64_t N = batch.B * batch.T, D = c.hidden_size;
  const RopeFreqs rope = model_rope(c);
  const SeqSpans spans = sequence_spans(batch.B, batch.T);
  Tensor x = embed(params, rows.inputs, D);  // [N, D]
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    BlockTape tape;  // the training forward's path; dropped as soon as the layer's output exists
    decoder_block_forward(c, params.layers[size_t(l)], rope, x.f32(), N, spans, l, compute, &tape);
  }
  std::vector<float> logp(static_cast<size_t>(N));  // [B, T]
  head_token_logprobs(c, {params.final_norm, params.lm_head}, x.f32(), rows.targets.data(), N,
                      logp.data(), temperature, compute);
  return logp;
}

}  // namespace r1
