// The forward pass of every supported architecture as one straight list of block calls:
// embed -> decoder layers -> final norm -> head; and the MTP module on top of it.
#include "model/model.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linear.h"
#include "model/decoder_block.h"

namespace r1 {

std::unique_ptr<Model> Model::from_source(const std::string& label, const ModelConfig& config,
                                          std::unique_ptr<TensorSource> source,
                                          const std::vector<float>& rope_freq_factors) {
  auto m = std::make_unique<Model>();
  m->dir_ = label;
  m->config_ = config;
  m->source_ = std::move(source);
  m->finish_load(rope_freq_factors);
  return m;
}

void Model::finish_load(const std::vector<float>& rope_factors) {
  weights_ = load_weights(config_, *source_);
  rope_ = rope_freqs(config_.rope, config_.is_deepseek() ? config_.qk_rope_head_dim : config_.head_dim);
  // llama.cpp's rope_freqs tensor divides each frequency (how GGUF stores llama3 scaling).
  for (size_t i = 0; i < rope_factors.size(); ++i) rope_.inv_freq[i] /= rope_factors[i];
}

void Model::check_tokens(const std::vector<int32_t>& tokens) const {
  if (tokens.empty()) throw Error("no input tokens given");
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= config_.vocab_size)
      throw Error("token id " + std::to_string(tokens[i]) + " at position " + std::to_string(i) +
                  " is out of range [0, " + std::to_string(config_.vocab_size) + ") of " + dir_);
}

Tensor Model::run(const std::vector<int32_t>& tokens, const SeqSpans& spans,
                  const std::vector<int64_t>& logit_rows, Tensor* hidden) const {
  const ModelConfig& c = config_;
  const int64_t N = int64_t(tokens.size()), D = c.hidden_size, V = c.vocab_size;
  Tensor x = Tensor::zeros(DType::F32, {N, D});  // [N, D] residual stream
  embedding_rows(weights_.embed, tokens.data(), N, x.f32());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i)
    decoder_block_forward(c, weights_.layers[size_t(i)], rope_, x.f32(), N, spans, i);
  if (hidden) {
    *hidden = Tensor::zeros(DType::F32, {N, D});
    std::copy_n(x.f32(), N * D, hidden->f32());
  }
  const int64_t R = int64_t(logit_rows.size());
  Tensor normed = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  for (int64_t r = 0; r < R; ++r)
    rmsnorm(x.f32() + logit_rows[size_t(r)] * D, weights_.final_norm.f32(), normed.f32() + r * D, 1,
            D, float(c.rms_norm_eps));
  Tensor logits = Tensor::zeros(DType::F32, {R, V});  // [R, V]
  linear(normed.f32(), R, weights_.lm_head, nullptr, logits.f32());
  for (const SeqSpan& sp : spans)
    if (sp.cache) sp.cache->length = sp.pos0 + sp.rows;
  return logits;
}

Tensor Model::forward(const std::vector<int32_t>& tokens, int64_t pos0, KvCache* cache,
                      Tensor* hidden) const {
  check_tokens(tokens);
  const int64_t T = int64_t(tokens.size());
  R1_ASSERT(cache ? pos0 == cache->length : pos0 == 0);
  if (cache && pos0 + T > cache->capacity)
    throw Error("context full: " + std::to_string(pos0 + T) + " tokens exceed the cache size " +
                std::to_string(cache->capacity));
  std::vector<int64_t> rows(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) rows[size_t(t)] = t;
  return run(tokens, {SeqSpan{0, T, pos0, cache}}, rows, hidden);
}

Tensor Model::forward_batch(const std::vector<SequenceStep>& steps, bool all_logits) const {
  if (steps.empty()) throw Error("forward_batch: no sequences given");
  std::vector<int32_t> tokens;
  SeqSpans spans;
  std::vector<int64_t> logit_rows;
  for (const SequenceStep& s : steps) {
    check_tokens(s.tokens);
    R1_ASSERT(s.cache != nullptr);
    const int64_t T = int64_t(s.tokens.size()), row0 = int64_t(tokens.size());
    if (s.cache->length + T > s.cache->capacity)
      throw Error("context full: " + std::to_string(s.cache->length + T) +
                  " tokens exceed the cache size " + std::to_string(s.cache->capacity));
    spans.push_back(SeqSpan{row0, T, s.cache->length, s.cache});
    tokens.insert(tokens.end(), s.tokens.begin(), s.tokens.end());
    for (int64_t t = all_logits ? 0 : T - 1; t < T; ++t) logit_rows.push_back(row0 + t);
  }
  return run(tokens, spans, logit_rows, nullptr);
}

Tensor Model::mtp_logits(const std::vector<int32_t>& tokens, const Tensor& hidden) const {
  check_tokens(tokens);
  if (tokens.size() < 2) throw Error("MTP logits need at least 2 tokens");
  return mtp_forward(std::vector<int32_t>(tokens.begin() + 1, tokens.end()), hidden.f32(), 0,
                     nullptr);
}

Tensor Model::mtp_forward(const std::vector<int32_t>& next_tokens, const float* hidden,
                          int64_t pos0, KvCache* cache) const {
  check_tokens(next_tokens);
  if (weights_.mtp.empty()) throw Error(dir_ + ": the checkpoint has no MTP layer");
  const ModelConfig& c = config_;
  const MtpWeights& m = weights_.mtp[0];
  const int64_t R = int64_t(next_tokens.size()), D = c.hidden_size, V = c.vocab_size;
  const float eps = float(c.rms_norm_eps);
  R1_ASSERT(cache ? pos0 == cache->mtp_length && pos0 + R <= cache->capacity : pos0 == 0);

  Tensor both = Tensor::zeros(DType::F32, {R, 2 * D});  // [R, 2D] = (enorm(emb t+1) | hnorm(h))
  std::vector<float> row(static_cast<size_t>(D));
  for (int64_t i = 0; i < R; ++i) {
    float* dst = both.f32() + i * 2 * D;
    embedding_rows(m.embed, &next_tokens[size_t(i)], 1, row.data());
    rmsnorm(row.data(), m.enorm.f32(), dst, 1, D, eps);
    rmsnorm(hidden + i * D, m.hnorm.f32(), dst + D, 1, D, eps);
  }
  Tensor x = Tensor::zeros(DType::F32, {R, D});  // [R, D]
  linear(both.f32(), R, m.eh_proj.weight, m.eh_proj.bias_ptr(), x.f32());
  // The MTP layer's cache sits after the main layers; its span position counts MTP rows.
  decoder_block_forward(c, m.block, rope_, x.f32(), R, {SeqSpan{0, R, pos0, cache}},
                        c.num_hidden_layers);
  if (cache) cache->mtp_length = pos0 + R;
  rmsnorm(x.f32(), m.head_norm.f32(), x.f32(), R, D, eps);
  Tensor logits = Tensor::zeros(DType::F32, {R, V});  // [R, V]
  linear(x.f32(), R, m.head, nullptr, logits.f32());
  return logits;
}

}  // namespace r1
