// Rollouts for RL: G completions of each prompt sampled from the current policy in one batch,
// and their packing into training batches (prompt + completion, loss on the completion only).
#pragma once

#include <cstdint>
#include <vector>

#include "infer/generator.h"
#include "model/transformer.h"

namespace r1::rl {

struct Rollout {
  int64_t group = 0;              // index of its prompt in the batch
  std::vector<int32_t> prompt;    // token ids
  Completion completion;          // sampled ids (a final stop token included), text, finish reason
};

struct RolloutSettings {
  int64_t group_size = 8;   // G samples per prompt
  int64_t max_tokens = 256; // per completion
  SamplingParams sampling;  // the policy's distribution: temperature 1, no top-p/top-k for RL
};

struct RolloutBatch {
  std::vector<Rollout> rollouts;  // [prompts * G], group-major
  GenerationStats stats;
};

// Samples settings.group_size completions of every prompt in one batched generation. Sample i
// of prompt q uses seed settings.sampling.seed + q * group_size + i, so a batch is
// reproducible and no two samples share a stream.
RolloutBatch generate_rollouts(const Generator& generator,
                               const std::vector<std::vector<int32_t>>& prompts,
                               const RolloutSettings& settings);

// The rollouts `rows` (indices into `rollouts`) as one training batch: row b is prompt +
// completion right-padded with `pad_id` to the longest; mask[b][t] = 1 where position t
// predicts a completion token. T = longest prompt + completion - 1.
TrainBatch pack_rollouts(const std::vector<Rollout>& rollouts, const std::vector<size_t>& rows,
                         int32_t pad_id);

// Splits rollouts into micro-batches of at most `max_rows` sequences, longest first so that
// sequences of similar length share a batch (less padding).
std::vector<std::vector<size_t>> length_sorted_micro_batches(const std::vector<Rollout>& rollouts,
                                                             int64_t max_rows);

}  // namespace r1::rl
