// Sampling one token at a time with streamed, stop-string-safe text.
#include "infer/sample_stream.h"

#include <algorithm>

namespace r1 {

int64_t sampleable_ids(int64_t model_vocab, const Tokenizer* tokenizer) {
  return tokenizer ? std::min(model_vocab, tokenizer->vocab_size()) : model_vocab;
}

SampleStream::SampleStream(const SamplingParams& params, const Tokenizer* tokenizer,
                           const std::vector<std::string>& stop_strings,
                           std::vector<int32_t> stop_ids, int64_t max_tokens)
    : sampler_(params),
      decoder_(tokenizer ? std::optional(StreamingDecoder(*tokenizer, true)) : std::nullopt),
      stops_(stop_strings),
      stop_ids_(std::move(stop_ids)),
      max_tokens_(max_tokens) {}

std::string SampleStream::sample(float* logits, int64_t sampleable) {
  const int32_t id = sampler_.sample(logits, sampleable);
  out_.tokens.push_back(id);
  const bool stop_token = std::find(stop_ids_.begin(), stop_ids_.end(), id) != stop_ids_.end();
  std::string shown = stops_.push(stop_token || !decoder_ ? "" : decoder_->push(id));
  if (stop_token || stops_.stopped()) return shown + finish("stop");
  if (int64_t(out_.tokens.size()) >= max_tokens_) return shown + finish("length");
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
