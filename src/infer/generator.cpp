// Batched sampling loop: prefill once, fork the cache, then one forward pass per step for all
// unfinished samples; per-sample sampler, streaming detokenizer and stop-string matcher.
#include "infer/generator.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"

namespace r1 {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

void validate_request(const GenerationRequest& r, const Tokenizer* tokenizer) {
  if (r.prompt.empty()) throw UsageError("the prompt is empty");
  if (r.n < 1 || r.n > 1024) throw UsageError("n must be in [1, 1024], got " + std::to_string(r.n));
  if (r.max_tokens < 1) throw UsageError("max_tokens must be >= 1");
  if (!tokenizer && !r.stop_strings.empty())
    throw UsageError("stop strings need the model's tokenizer (tokenizer.json)");
  if (!tokenizer && r.structured)
    throw UsageError("structured output needs the model's tokenizer (tokenizer.json)");
  r.sampling.validate();
}

std::optional<TokenConstraint> request_constraint(const GenerationRequest& r,
                                                  const Tokenizer* tokenizer,
                                                  const LazyTokenTrie& trie,
                                                  const std::vector<int32_t>& stop_ids) {
  if (!r.structured) return std::nullopt;
  return TokenConstraint(*r.structured, trie.get(*tokenizer), *tokenizer, stop_ids,
                         prompt_opens_reasoning(*tokenizer, r.prompt));
}

Generator::Generator(const Model& model, const Tokenizer* tokenizer, std::vector<int32_t> stop_ids)
    : model_(model), tokenizer_(tokenizer), stop_ids_(std::move(stop_ids)) {}

std::vector<Completion> Generator::generate(const GenerationRequest& r, const TextCallback& on_text,
                                            GenerationStats* stats) const {
  return std::move(run({r}, on_text, stats)[0]);
}

std::vector<std::vector<Completion>> Generator::generate_many(
    const std::vector<GenerationRequest>& requests, GenerationStats* stats) const {
  return run(requests, {}, stats);
}

std::vector<std::vector<Completion>> Generator::run(const std::vector<GenerationRequest>& requests,
                                                    const TextCallback& on_text,
                                                    GenerationStats* stats) const {
  for (const GenerationRequest& r : requests) validate_request(r, tokenizer_);
  const int64_t V = model_.config().vocab_size;
  // Samples of all requests, flattened: request q owns [first[q], first[q] + n).
  std::vector<SampleStream> samples;
  std::vector<KvCache> caches;
  std::vector<size_t> first;
  int64_t prompt_tokens = 0;
  for (const GenerationRequest& r : requests) {
    // Every sample's cache holds exactly what it can need: the prompt and max_tokens - 1 fed
    // tokens (the last sampled one is never fed).
    const int64_t P = int64_t(r.prompt.size()), capacity = P + r.max_tokens;
    std::vector<int32_t> stop_ids = stop_ids_;
    stop_ids.insert(stop_ids.end(), r.stop_tokens.begin(), r.stop_tokens.end());
    first.push_back(samples.size());
    const std::optional<TokenConstraint> constraint =
        request_constraint(r, tokenizer_, trie_, stop_ids);
    for (int i = 0; i < r.n; ++i) {
      SamplingParams p = r.sampling;
      p.seed = r.sampling.seed + uint64_t(i);
      samples.emplace_back(p, tokenizer_, r.stop_strings, stop_ids, r.max_tokens, constraint);
      samples.back().observe_prompt(r.prompt);
      caches.push_back(model_.new_cache(capacity));
    }
    prompt_tokens += P;
  }

  // Every prompt is prefilled once, in one pass, and its cache forked to its other samples.
  const auto t0 = Clock::now();
  std::vector<Model::SequenceStep> prefill;
  for (size_t q = 0; q < requests.size(); ++q) prefill.push_back({requests[q].prompt, &caches[first[q]]});
  Tensor logits = model_.forward_batch(prefill, false);  // [requests, V]
  for (size_t q = 0; q < requests.size(); ++q)
    for (int i = 1; i < requests[q].n; ++i)
      caches[first[q] + size_t(i)].copy_prefix_from(caches[first[q]], int64_t(requests[q].prompt.size()));
  const double prefill_s = seconds_since(t0);
  const auto t1 = Clock::now();

  auto show = [&](size_t i, const std::string& text) {
    if (on_text && !text.empty()) on_text(int(i), text);
  };
  const int64_t sampleable = sampleable_ids(V, tokenizer_);
  for (size_t q = 0; q < requests.size(); ++q)
    for (int i = 0; i < requests[q].n; ++i) {
      std::vector<float> row(logits.f32() + int64_t(q) * V, logits.f32() + int64_t(q + 1) * V);
      const size_t s = first[q] + size_t(i);
      show(s, samples[s].sample(row.data(), sampleable));
    }
  int64_t generated = int64_t(samples.size());
  for (;;) {
    std::vector<size_t> active;
    std::vector<Model::SequenceStep> steps;
    for (size_t s = 0; s < samples.size(); ++s) {
      if (samples[s].done()) continue;
      active.push_back(s);
      steps.push_back({{samples[s].last_token()}, &caches[s]});
    }
    if (active.empty()) break;
    logits = model_.forward_batch(steps, false);  // [active, V]
    for (size_t a = 0; a < active.size(); ++a)
      show(active[a], samples[active[a]].sample(logits.f32() + int64_t(a) * V, sampleable));
    generated += int64_t(active.size());
  }
  if (stats) *stats = {prompt_tokens, generated, prefill_s, seconds_since(t1)};
  std::vector<std::vector<Completion>> out(requests.size());
  for (size_t q = 0; q < requests.size(); ++q)
    for (int i = 0; i < requests[q].n; ++i) out[q].push_back(samples[first[q] + size_t(i)].take());
  return out;
}

}  // namespace r1
