// A loaded model: its config, weight tree and RoPE tables, and the inference entry points over
// model/transformer.h (token checks, cache bookkeeping, batching of sequences).
#include "model/model.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "model/blocks/mtp.h"
#include "model/transformer.h"

namespace r1 {

std::unique_ptr<Model> Model::from_source(const std::string& label, const ModelConfig& config,
                                          std::unique_ptr<TensorSource> source,
                                          const std::vector<float>& rope_freq_factors,
                                          const ModelPart& part,
                                          std::shared_ptr<LaterStages> later) {
  auto m = std::make_unique<Model>();
  m->dir_ = label;
  m->config_ = config;
  m->source_ = std::move(source);
  m->part_ = part;
  m->later_ = std::move(later);
  R1_ASSERT(!m->later_ || (part.ends && part.first == 0 && part.end == m->later_->first_layer()));
  m->finish_load(rope_freq_factors);
  return m;
}

void Model::finish_load(const std::vector<float>& rope_factors) {
  weights_ = load_weights(config_, *source_, part_);
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

KvCache Model::new_cache(int64_t capacity) const {
  KvCache cache = KvCache::create(config_, capacity, part_);
  if (later_) cache.mirror = MirrorId(later_, later_->new_cache_id());
  return cache;
}

void Model::forward_layers(float* x, int64_t N, const SeqSpans& spans) const {
  decoder_layers_forward(config_, weights_, rope_, x, N, spans, part_.first,
                         std::min(part_.end, config_.num_hidden_layers));
  advance_caches(spans);
}

Tensor Model::forward(const std::vector<int32_t>& tokens, int64_t pos0, KvCache* cache,
                      Tensor* hidden) const {
  R1_ASSERT_MSG(part_.ends, "Model::forward on a pipeline stage (it runs forward_layers)");
  check_tokens(tokens);
  const int64_t T = int64_t(tokens.size());
  R1_ASSERT(cache ? pos0 == cache->length : pos0 == 0);
  if (cache && pos0 + T > cache->capacity)
    throw Error("context full: " + std::to_string(pos0 + T) + " tokens exceed the cache size " +
                std::to_string(cache->capacity));
  std::vector<int64_t> rows(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) rows[size_t(t)] = t;
  return transformer_forward(config_, weights_, rope_, tokens, {SeqSpan{0, T, pos0, cache}}, rows,
                             hidden, later_.get());
}

Model::BatchRows Model::batch_rows(const std::vector<SequenceStep>& steps, bool all_logits) const {
  R1_ASSERT_MSG(part_.ends, "Model::forward_batch on a pipeline stage (it runs forward_layers)");
  if (steps.empty()) throw Error("forward_batch: no sequences given");
  BatchRows b;
  std::vector<int32_t>& tokens = b.tokens;
  SeqSpans& spans = b.spans;
  std::vector<int64_t>& logit_rows = b.logit_rows;
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
  return b;
}

Tensor Model::forward_batch(const std::vector<SequenceStep>& steps, bool all_logits) const {
  const BatchRows b = batch_rows(steps, all_logits);
  return transformer_forward(config_, weights_, rope_, b.tokens, b.spans, b.logit_rows, nullptr,
                             later_.get());
}

Model::BatchInFlight Model::start_batch(const std::vector<SequenceStep>& steps,
                                        bool all_logits) const {
  BatchRows b = batch_rows(steps, all_logits);
  BatchInFlight f;
  f.x = transformer_start(config_, weights_, rope_, b.tokens, b.spans,
                          later_ ? later_->first_layer() : config_.num_hidden_layers);
  if (later_) later_->send(f.x.f32(), f.x.dim(0), b.spans);
  f.spans = std::move(b.spans);
  f.logit_rows = std::move(b.logit_rows);
  return f;
}

Tensor Model::finish_batch(BatchInFlight& batch) const {
  if (later_) later_->receive(batch.x.f32(), batch.x.dim(0));
  return transformer_finish(config_, weights_, batch.x, batch.spans, batch.logit_rows, nullptr);
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
  const int64_t R = int64_t(next_tokens.size());
  R1_ASSERT(cache ? pos0 == cache->mtp_length && pos0 + R <= cache->capacity : pos0 == 0);
  Tensor logits = Tensor::zeros(DType::F32, {R, config_.vocab_size});  // [R, V]
  // The MTP layer's cache sits after the main layers; its span position counts MTP rows.
  r1::mtp_forward(config_, weights_.mtp[0], rope_, hidden, next_tokens.data(), R,
                  {SeqSpan{0, R, pos0, cache}}, logits.f32(), ComputeType::F32);
  if (cache) cache->mtp_length = pos0 + R;
  return logits;
}

}  // namespace r1
