// generate_rollouts: one Generator::generate_many call with per-sample seeds; pack_rollouts (the
// mask on sampled tokens) and the length-sorted micro-batch split.
#include "rl/rollout.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace r1::rl {

int64_t sampled_tokens(const Rollout& r) {
  if (r.sampled.empty()) return int64_t(r.completion.tokens.size());
  R1_ASSERT(r.sampled.size() == r.completion.tokens.size());
  return std::count(r.sampled.begin(), r.sampled.end(), uint8_t(1));
}

RolloutBatch generate_rollouts(const Generator& generator,
                               const std::vector<std::vector<int32_t>>& prompts,
                               const RolloutSettings& s) {
  if (s.group_size < 1) throw UsageError("the group size must be >= 1");
  std::vector<GenerationRequest> requests;
  for (size_t q = 0; q < prompts.size(); ++q) {
    GenerationRequest r;
    r.prompt = prompts[q];
    r.n = int(s.group_size);
    r.sampling = s.sampling;
    r.sampling.seed = s.sampling.seed + uint64_t(q) * uint64_t(s.group_size);
    r.max_tokens = s.max_tokens;
    r.stop_tokens = s.stop_tokens;
    requests.push_back(std::move(r));
  }
  RolloutBatch out;
  std::vector<std::vector<Completion>> done = generator.generate_many(requests, &out.stats);
  for (size_t q = 0; q < prompts.size(); ++q)
    for (Completion& c : done[q])
      out.rollouts.push_back({int64_t(q), prompts[q], std::move(c), {}, {}});
  return out;
}

TrainBatch pack_rollouts(const std::vector<Rollout>& rollouts, const std::vector<size_t>& rows,
                         int32_t pad_id) {
  TrainBatch b;
  b.B = int64_t(rows.size());
  int64_t longest = 2;
  for (size_t r : rows) {
    const Rollout& x = rollouts[r];
    R1_ASSERT(!x.prompt.empty());
    longest = std::max<int64_t>(longest, int64_t(x.prompt.size() + x.completion.tokens.size()));
  }
  b.T = longest - 1;
  b.tokens.assign(size_t(b.B * (b.T + 1)), pad_id);  // [B, T + 1]
  b.mask.assign(size_t(b.B * b.T), 0);              // [B, T]
  for (int64_t i = 0; i < b.B; ++i) {
    const Rollout& x = rollouts[rows[size_t(i)]];
    R1_ASSERT(x.sampled.empty() || x.sampled.size() == x.completion.tokens.size());
    int32_t* row = b.tokens.data() + i * (b.T + 1);
    std::copy(x.prompt.begin(), x.prompt.end(), row);
    std::copy(x.completion.tokens.begin(), x.completion.tokens.end(), row + x.prompt.size());
    // Position t predicts token t + 1: completion token j is predicted at P - 1 + j.
    const int64_t P = int64_t(x.prompt.size()), C = int64_t(x.completion.tokens.size());
    for (int64_t j = 0; j < C; ++j)
      if (x.sampled.empty() || x.sampled[size_t(j)]) b.mask[size_t(i * b.T + P - 1 + j)] = 1;
  }
  return b;
}

std::vector<std::vector<size_t>> length_sorted_micro_batches(const std::vector<Rollout>& rollouts,
                                                             int64_t max_rows) {
  R1_ASSERT(max_rows >= 1);
  std::vector<size_t> order(rollouts.size());
  std::iota(order.begin(), order.end(), size_t(0));
  auto length = [&](size_t i) {
    return rollouts[i].prompt.size() + rollouts[i].completion.tokens.size();
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return length(a) > length(b); });
  std::vector<std::vector<size_t>> out;
  for (size_t i = 0; i < order.size(); i += size_t(max_rows))
    out.emplace_back(order.begin() + long(i),
                     order.begin() + long(std::min(order.size(), i + size_t(max_rows))));
  return out;
}

}  // namespace r1::rl
