// One sample's output while it is decoded: its sampler, streaming detokenizer and stop-string
// matcher. Shared by the batched Generator and the multi-turn Session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "infer/sampler.h"
#include "infer/stop_strings.h"
#include "infer/token_constraint.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

struct Completion {
  std::vector<int32_t> tokens;  // generated ids, a final stop token included
  std::string text;             // decoded without special tokens, cut before a stop string
  // "stop" (stop token or string, or a constrained document complete) or "length" (max_tokens,
  // or a constrained document that could not be completed)
  std::string finish_reason;
};

// The ids a sampler may draw: the model's vocabulary without the padding rows of the embedding
// past the tokenizer's vocabulary.
int64_t sampleable_ids(int64_t model_vocab, const Tokenizer* tokenizer);

class SampleStream {
 public:
  // stop_ids: end-of-sequence ids; tokenizer null: ids only, no text and no stop strings.
  // constraint: structured output; the sample ends as soon as its document is complete and
  // nothing may follow.
  SampleStream(const SamplingParams& params, const Tokenizer* tokenizer,
               const std::vector<std::string>& stop_strings, std::vector<int32_t> stop_ids,
               int64_t max_tokens, std::optional<TokenConstraint> constraint = std::nullopt);

  void observe_prompt(const std::vector<int32_t>& prompt) { sampler_.observe(prompt); }
  // Samples from logits [V] (modified in place by penalties) among the first `sampleable` ids,
  // appends the id and returns the text now safe to show.
  std::string sample(float* logits, int64_t sampleable);
  // Ends the sample early with `reason` and returns the text held back until now.
  std::string finish(const std::string& reason);

  bool done() const { return !out_.finish_reason.empty(); }
  int32_t last_token() const { return out_.tokens.back(); }
  const Completion& completion() const { return out_; }
  Completion take() { return std::move(out_); }

 private:
  int32_t draw(float* logits, int64_t sampleable);  // the constrained or plain sample

  Sampler sampler_;
  std::optional<StreamingDecoder> decoder_;
  StopStringMatcher stops_;
  std::vector<int32_t> stop_ids_;
  int64_t max_tokens_;
  std::optional<TokenConstraint> constraint_;
  Completion out_;
};

}  // namespace r1
