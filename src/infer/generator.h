// Text generation: n samples of one prompt (or of several prompts) decoded together in one
// batch. A prompt is prefilled once and its KV cache forked to every sample, so 16 samples cost
// one prefill and one weight read per step for all of them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "infer/sample_stream.h"
#include "infer/sampler.h"
#include "infer/token_constraint.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

struct GenerationRequest {
  std::vector<int32_t> prompt;  // token ids, special tokens included
  int n = 1;                    // samples of this prompt
  SamplingParams sampling;      // sample i uses seed sampling.seed + i
  int64_t max_tokens = 256;
  std::vector<std::string> stop_strings;  // the text ends before the first one
  std::vector<int32_t> stop_tokens;       // in addition to the model's end-of-sequence ids
  std::optional<StructuredOutput> structured;  // constrained sampling (needs the tokenizer)
};

struct GenerationStats {
  int64_t prompt_tokens = 0, generated_tokens = 0;
  double prefill_seconds = 0, decode_seconds = 0;
};

// Called with (sample index, new text) as soon as text is safe to show.
using TextCallback = std::function<void(int, const std::string&)>;

// UsageError for an empty prompt, n outside [1, 1024], max_tokens < 1, stop strings or
// structured output without a tokenizer or invalid sampling parameters.
void validate_request(const GenerationRequest& request, const Tokenizer* tokenizer);

// The constraint each sample of a structured request starts with (nullopt for free text);
// stop_ids: all the ids that end its samples.
std::optional<TokenConstraint> request_constraint(const GenerationRequest& request,
                                                  const Tokenizer* tokenizer,
                                                  const LazyTokenTrie& trie,
                                                  const std::vector<int32_t>& stop_ids);

class Generator {
 public:
  // stop_ids: end-of-sequence ids (ModelDir::stop_ids). Without a tokenizer (nullptr) the
  // completions carry ids only: no text, no stop strings.
  Generator(const Model& model, const Tokenizer* tokenizer, std::vector<int32_t> stop_ids);

  std::vector<Completion> generate(const GenerationRequest& request,
                                   const TextCallback& on_text = {},
                                   GenerationStats* stats = nullptr) const;

  // Several prompts (each with its n samples) decoded as one batch: all prompts prefilled in
  // one pass, then one pass per step for every unfinished sample of every request. Returns
  // the completions per request, in order. Sample i of a request behaves exactly as in
  // generate() (same seed rule), so results do not depend on what else is in the batch
  // except for floating-point summation order.
  std::vector<std::vector<Completion>> generate_many(const std::vector<GenerationRequest>& requests,
                                                     GenerationStats* stats = nullptr) const;

 private:
  std::vector<std::vector<Completion>> run(const std::vector<GenerationRequest>& requests,
                                           const TextCallback& on_text,
                                           GenerationStats* stats) const;

  const Model& model_;
  const Tokenizer* tokenizer_;
  std::vector<int32_t> stop_ids_;
  LazyTokenTrie trie_;
};

}  // namespace r1
