// Token sampling from logits: repetition/presence/frequency penalties, temperature, top-k,
// top-p, min-p, then a draw from a seeded generator (or the argmax when temperature is 0).
//
// Order (as Hugging Face's generate): penalties -> temperature -> top-k -> top-p -> min-p.
// Defaults are DeepSeek-R1's recommendation: temperature 0.6, top-p 0.95.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace r1 {

struct SamplingParams {
  float temperature = 0.6f;         // 0: greedy
  int64_t top_k = 0;                // 0: off
  float top_p = 0.95f;              // 1: off
  float min_p = 0.0f;               // 0: off; keeps p >= min_p * p_max
  float repetition_penalty = 1.0f;  // HF: logit / r if logit > 0 else logit * r; 1: off
  float presence_penalty = 0.0f;    // OpenAI: logit -= presence if the token occurred
  float frequency_penalty = 0.0f;   // OpenAI: logit -= frequency * count
  uint64_t seed = 0;

  // Throws UsageError naming the field when a value is outside its range.
  void validate() const;
};

// A deterministic generator: the same seed gives the same stream on every platform (no
// implementation-defined std::*_distribution).
class SamplerRng {
 public:
  explicit SamplerRng(uint64_t seed) : engine_(seed) {}
  double uniform();  // [0, 1) with 53 random bits

 private:
  std::mt19937_64 engine_;
};

// Per-sequence sampling state: the parameters, the generator and the counts of the tokens the
// penalties look at (the prompt and everything generated so far).
class Sampler {
 public:
  explicit Sampler(const SamplingParams& p);

  // Adds tokens to the penalty history (the prompt, before the first sample).
  void observe(const std::vector<int32_t>& tokens);
  // Picks the next token from logits [V] (modified in place by the penalties) and records it.
  // only (sorted ids, non-empty): the draw is among them, as if every other id had logit -inf
  // after the penalties.
  int32_t sample(float* logits, int64_t V, const std::vector<int32_t>* only = nullptr);

  const SamplingParams& params() const { return params_; }

 private:
  void apply_penalties(float* logits, int64_t V) const;
  int32_t draw(const float* logits, int64_t V, const std::vector<int32_t>* only);

  SamplingParams params_;
  SamplerRng rng_;
  std::unordered_map<int32_t, int32_t> counts_;
  std::vector<std::pair<float, int32_t>> candidates_;  // reused: (logit or prob, id)
};

int32_t argmax(const float* v, int64_t n);

}  // namespace r1
