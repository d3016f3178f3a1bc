// Sampling: penalties, temperature, top-k / top-p / min-p truncation and the seeded draw.
#include "infer/sampler.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r1 {

namespace {

void require(bool ok, const std::string& field, const std::string& expected, double value) {
  if (!ok)
    throw UsageError(field + " must be " + expected + ", got " + std::to_string(value));
}

}  // namespace

void SamplingParams::validate() const {
  require(std::isfinite(temperature) && temperature >= 0.0f, "temperature", ">= 0",
          temperature);
  require(top_k >= 0, "top_k", ">= 0", double(top_k));
  require(top_p > 0.0f && top_p <= 1.0f, "top_p", "in (0, 1]", top_p);
  require(min_p >= 0.0f && min_p <= 1.0f, "min_p", "in [0, 1]", min_p);
  require(std::isfinite(repetition_penalty) && repetition_penalty > 0.0f, "repetition_penalty",
          "> 0", repetition_penalty);
  require(std::isfinite(presence_penalty) && std::fabs(presence_penalty) <= 2.0f,
          "presence_penalty", "in [-2, 2]", presence_penalty);
  require(std::isfinite(frequency_penalty) && std::fabs(frequency_penalty) <= 2.0f,
          "frequency_penalty", "in [-2, 2]", frequency_penalty);
}

double SamplerRng::uniform() { return double(engine_() >> 11) * 0x1.0p-53; }

int32_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return int32_t(best);
}

Sampler::Sampler(const SamplingParams& p) : params_(p), rng_(p.seed) { params_.validate(); }

void Sampler::observe(const std::vector<int32_t>& tokens) {
  for (int32_t t : tokens) ++counts_[t];
}

void Sampler::apply_penalties(float* logits, int64_t V) const {
  const SamplingParams& p = params_;
  if (p.repetition_penalty == 1.0f && p.presence_penalty == 0.0f && p.frequency_penalty == 0.0f)
    return;
  for (const auto& [id, count] : counts_) {
    if (id < 0 || id >= V) continue;
    float& l = logits[id];
    if (p.repetition_penalty != 1.0f)
      l = l > 0.0f ? l / p.repetition_penalty : l * p.repetition_penalty;
    l -= p.presence_penalty + p.frequency_penalty * float(count);
  }
}

int32_t Sampler::sample(float* logits, int64_t V, const std::vector<int32_t>* only) {
  apply_penalties(logits, V);
  if (only && (only->empty() || only->front() >= V)) only = nullptr;  // nothing to restrict to
  int32_t id;
  if (params_.temperature != 0.0f) {
    id = draw(logits, V, only);
  } else if (!only) {
    id = argmax(logits, V);
  } else {
    id = only->front();
    for (int32_t i : *only)
      if (i < V && logits[i] > logits[id]) id = i;
  }
  ++counts_[id];
  return id;
}

// Candidates are (weight, id) pairs; only top-p needs them sorted, and then only the prefix
// that holds the top_p mass, found by sorting progressively longer prefixes.
int32_t Sampler::draw(const float* logits, int64_t V, const std::vector<int32_t>* only) {
  const SamplingParams& p = params_;
  auto better = [](const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  const float inv_t = 1.0f / p.temperature;
  if (only) {
    candidates_.clear();
    for (int32_t i : *only)
      if (i < V) candidates_.emplace_back(logits[i] * inv_t, i);
  } else {
    candidates_.resize(size_t(V));
    for (int64_t i = 0; i < V; ++i) candidates_[size_t(i)] = {logits[i] * inv_t, int32_t(i)};
  }
  auto first = candidates_.begin();
  size_t n = candidates_.size();
  if (p.top_k > 0 && size_t(p.top_k) < n) {
    n = size_t(p.top_k);
    std::nth_element(first, first + ptrdiff_t(n) - 1, candidates_.end(), better);
  }
  // Softmax weights relative to the best candidate (weight 1).
  const float top = std::min_element(first, first + ptrdiff_t(n), better)->first;  // best first
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    candidates_[i].first = std::exp(candidates_[i].first - top);
    total += candidates_[i].first;
  }
  if (p.top_p < 1.0f) {
    // Keep a token while the mass of the tokens ranked above it is below top_p.
    const double target = double(p.top_p) * total;
    size_t sorted = std::min(n, size_t(64));
    for (;;) {
      if (sorted == n)
        std::sort(first, first + ptrdiff_t(n), better);
      else
        std::partial_sort(first, first + ptrdiff_t(sorted), first + ptrdiff_t(n), better);
      double above = 0.0;
      size_t keep = 0;
      while (keep < sorted && above < target) above += candidates_[keep++].first;
      if (above >= target || sorted == n) {
        n = keep;
        total = above;
        break;
      }
      sorted = sorted * 16 >= n ? n : sorted * 4;
    }
  }
  if (p.min_p > 0.0f) {
    size_t kept = 0;
    total = 0.0;
    for (size_t i = 0; i < n; ++i)
      if (candidates_[i].first >= p.min_p) {
        candidates_[kept++] = candidates_[i];
        total += candidates_[i].first;
      }
    n = kept;
  }
  double u = rng_.uniform() * total;
  for (size_t i = 0; i < n; ++i) {
    u -= candidates_[i].first;
    if (u < 0.0) return candidates_[i].second;
  }
  // Rounding left u at the very end of the mass: the last candidate of non-zero weight (a
  // logit of -inf has none).
  while (n > 1 && candidates_[n - 1].first == 0.0f) --n;
  return candidates_[n - 1].second;
}

}  // namespace r1
