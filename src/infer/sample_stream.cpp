// Sampling one token at a time with streamed, stop-string-safe text.
#include "infer/sample_stream.h"

#include <algorithm>
#include <limits>

namespace r1 {

int64_t sampleable_ids(int64_t model_vocab, const Tokenizer* tokenizer) {
  return tokenizer ? std::min(model_vocab, tokenizer->vocab_size()) : model_vocab;
}

SampleStream::SampleStream(const SamplingParams& params, const Tokenizer* tokenizer,
                           const std::vector<std::string>& stop_strings,
                           std::vector<int32_t> stop_ids, int64_t max_tokens,
                           std::optional<TokenConstraint> constraint)
    : sampler_(params),
      decoder_(tokenizer ? std::optional(StreamingDecoder(*tokenizer, true)) : std::nullopt),
      stops_(stop_strings),
      stop_ids_(std::move(stop_ids)),
      max_tokens_(max_tokens),
      constraint_(std::move(constraint)) {}

int32_t SampleStream::draw(float* logits, int64_t sampleable) {
  if (!constraint_) return sampler_.sample(logits, sampleable);
  // The budget after this token; disallowed ids are masked after the penalties.
  const TokenMask mask = constraint_->mask(max_tokens_ - int64_t(out_.tokens.size()) - 1);
  int32_t id;
  if (mask.only) {
    id = sampler_.sample(logits, sampleable, mask.ids);
  } else {
    for (int32_t banned : *mask.ids)
      if (banned < sampleable) logits[banned] = -std::numeric_limits<float>::infinity();
    id = sampler_.sample(logits, sampleable);
  }
  constraint_->accept(id);
  return id;
}

std::string SampleStream::sample(float* logits, int64_t sampleable) {
  const int32_t id = draw(logits, sampleable);
  out_.tokens.push_back(id);
  const bool stop_token = std::find(stop_ids_.begin(), stop_ids_.end(), id) != stop_ids_.end();
  std::string shown = stops_.push(stop_token || !decoder_ ? "" : decoder_->push(id));
  // A constrained sample is complete with its document; without it, it ran out of room.
  const bool complete = !constraint_ || constraint_->complete();
  if (stop_token) return shown + finish(complete ? "stop" : "length");
  if (stops_.stopped() || (constraint_ && constraint_->must_end())) return shown + finish("stop");
  if (int64_t(out_.tokens.size()) >= max_tokens_)
    return shown + finish(constraint_ && complete ? "stop" : "length");
  return shown;
}

std::string SampleStream::finish(const std::string& reason) {
  out_.finish_reason = reason;
  std::string shown;
  if (!stops_.stopped() && decoder_) shown += stops_.push(decoder_->flush());
  shown += stops_.flush();
  out_.text = stops_.text();
  return shown;
}

}  // namespace r1
