// model_train_step: embedding, the decoder layers in order, the head and its loss, the MTP module;
// backward is the same list reversed. All B * T rows go through each layer together (one GEMM
// per linear); attention and the balance loss run per sequence (the spans).
// model_token_logprobs: the same forward without the backward's state, head only.
#include "model/model_train.h"

#include <algorithm>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/op_profile.h"
#include "core/tensor.h"
#include "kernels/cpu/embedding_backward.h"
#include "kernels/cpu/loss.h"
#include "model/decoder_block_train.h"
#include "model/model_train_head.h"
#include "model/mtp_train.h"
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

// B sequences of `rows` rows each, at positions 0..rows-1.
SeqSpans sequence_spans(int64_t B, int64_t rows) {
  SeqSpans spans;
  for (int64_t b = 0; b < B; ++b) spans.push_back({b * rows, rows, 0, nullptr});
  return spans;
}

// Everything the main model's backward reads, kept per layer.
struct ModelActivations {
  std::vector<Tensor> hidden;  // [L + 1] of [N, D]: hidden[l] is layer l's input
  std::vector<DecoderBlockActivations> layers;
  std::vector<std::unique_ptr<TrainAttention>> attention;  // one per layer (holds its state)
};

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

// The MTP loss (mean over its counted predictions) and its gradient, weight mtp_lambda, ADDED
// into grads and dhidden [N, D].
double mtp_loss_train(const ModelConfig& c, const MtpParams& p, const MtpParams& g,
                      const RopeFreqs& rope, const TrainBatch& batch,
                      const std::vector<int32_t>& inputs, const float* hidden, double mtp_lambda,
                      float* dhidden) {
  const int64_t T = batch.T, D = c.hidden_size, V = c.vocab_size;
  if (T < 2) return 0.0;
  const MtpRows m = mtp_rows(batch, inputs);
  const int64_t R = int64_t(m.next.size());
  const SeqSpans spans = sequence_spans(batch.B, T - 1);
  Tensor h = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  for (int64_t r = 0; r < R; ++r)
    std::copy_n(hidden + m.hidden_row[size_t(r)] * D, D, h.f32() + r * D);
  const std::unique_ptr<TrainAttention> attn = make_train_attention(c, rope);
  MtpActivations acts;
  Tensor logits = Tensor::zeros(DType::F32, {R, V});  // [R, V], then its gradient
  mtp_train_forward(p, c, *attn, h.f32(), m.next.data(), R, spans, 0.0, acts, logits.f32());
  CrossEntropyResult ce;
  float* dlogits = logits.f32();
  {
    const ProfileScope profile(ProfileOp::HeadLoss);
    ce = cross_entropy(logits.f32(), m.targets.data(), m.mask.data(), R, V, logits.f32());
    for (int64_t i = 0; i < R * V; ++i) dlogits[i] *= float(mtp_lambda);
  }
  Tensor dh = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  mtp_train_backward(p, c, *attn, h.f32(), m.next.data(), acts, dlogits, R, spans, g, dh.f32());
  for (int64_t r = 0; r < R; ++r) {
    float* dst = dhidden + m.hidden_row[size_t(r)] * D;
    for (int64_t d = 0; d < D; ++d) dst[d] += dh.f32()[r * D + d];
  }
  return ce.loss;
}

}  // namespace

TrainStepResult model_train_step(const ModelConfig& c, const TrainWeights& params,
                                 const TrainWeights& grads, const TrainBatch& batch,
                                 const TrainLossOptions& opt) {
  const BatchRows rows = check_and_split(c, batch, opt);
  const ComputeScope compute(opt.compute);
  const int64_t B = batch.B, T = batch.T, N = B * T, D = c.hidden_size, V = c.vocab_size;
  const int64_t L = c.num_hidden_layers;
  const RopeFreqs rope = rope_freqs(c.rope, c.is_deepseek() ? c.qk_rope_head_dim : c.head_dim);
  const uint8_t* mask = batch.mask.empty() ? nullptr : batch.mask.data();
  const SeqSpans spans = sequence_spans(B, T);

  TrainStepResult result;
  ModelActivations acts;
  acts.layers.resize(size_t(L));
  acts.hidden.push_back(embed_rows(params.embed, rows.inputs, D));
  for (int64_t l = 0; l < L; ++l) {
    const BlockParams& p = params.layers[size_t(l)];
    DecoderBlockActivations& a = acts.layers[size_t(l)];
    acts.attention.push_back(make_train_attention(c, rope));
    acts.hidden.push_back(Tensor::zeros(DType::F32, {N, D}));
    decoder_block_train_forward(p, c, *acts.attention.back(), acts.hidden[size_t(l)].f32(), N,
                                spans, opt.aux_alpha, a, acts.hidden[size_t(l + 1)].f32());
    if (p.is_moe) {
      result.expert_load.push_back(a.moe.load);
      if (opt.aux_alpha > 0.0) result.aux_loss += a.balance_loss / opt.aux_alpha;
    }
    if (opt.recompute) {  // rebuilt before the layer's backward
      a = DecoderBlockActivations();
      acts.attention.back().reset();
    }
  }

  Tensor dx = Tensor::zeros(DType::F32, {N, D});  // [N, D] gradient of the current hidden state
  const HeadLossResult main = head_loss_train(
      c, {params.final_norm, params.lm_head}, acts.hidden[size_t(L)].f32(), rows.targets.data(),
      mask, N, opt.loss_tokens, 1.0, {grads.final_norm, grads.lm_head}, dx.f32(), opt.objective);
  result.loss = main.loss;
  result.tokens = main.tokens;
  if (opt.mtp_lambda != 0.0 && !params.mtp.empty())
    result.mtp_loss = mtp_loss_train(c, params.mtp[0], grads.mtp[0], rope, batch, rows.inputs,
                                     acts.hidden[size_t(L)].f32(), opt.mtp_lambda, dx.f32());

  for (int64_t l = L - 1; l >= 0; --l) {
    if (opt.recompute) {
      acts.attention[size_t(l)] = make_train_attention(c, rope);
      Tensor out = Tensor::zeros(DType::F32, {N, D});  // equal to hidden[l + 1]
      decoder_block_train_forward(params.layers[size_t(l)], c, *acts.attention[size_t(l)],
                                  acts.hidden[size_t(l)].f32(), N, spans, opt.aux_alpha,
                                  acts.layers[size_t(l)], out.f32());
    }
    Tensor dprev = Tensor::zeros(DType::F32, {N, D});
    decoder_block_train_backward(params.layers[size_t(l)], c, *acts.attention[size_t(l)],
                                 acts.hidden[size_t(l)].f32(), acts.layers[size_t(l)], dx.f32(), N,
                                 spans, grads.layers[size_t(l)], dprev.f32());
    dx = std::move(dprev);
    acts.layers[size_t(l)] = DecoderBlockActivations();  // no longer needed
  }
  embedding_backward(rows.inputs.data(), dx.f32(), N, D, V, grads.embed);
  return result;
}

std::vector<float> model_token_logprobs(const ModelConfig& c, const TrainWeights& params,
                                        const TrainBatch& batch) {
  const BatchRows rows = check_and_split(c, batch, {});
  const int64_t N = batch.B * batch.T, D = c.hidden_size;
  const RopeFreqs rope = rope_freqs(c.rope, c.is_deepseek() ? c.qk_rope_head_dim : c.head_dim);
  const SeqSpans spans = sequence_spans(batch.B, batch.T);
  Tensor x = embed_rows(params.embed, rows.inputs, D);  // [N, D]
  for (const BlockParams& p : params.layers) {
    // Each layer's activations are dropped as soon as its output exists.
    const std::unique_ptr<TrainAttention> attn = make_train_attention(c, rope);
    DecoderBlockActivations acts;
    Tensor out = Tensor::zeros(DType::F32, {N, D});
    decoder_block_train_forward(p, c, *attn, x.f32(), N, spans, 0.0, acts, out.f32());
    x = std::move(out);
  }
  std::vector<float> logp(static_cast<size_t>(N));  // [B, T]
  head_token_logprobs(c, {params.final_norm, params.lm_head}, x.f32(), rows.targets.data(), N,
                      logp.data());
  return logp;
}

}  // namespace r1
