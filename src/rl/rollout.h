// Rollouts for RL: G completions of each prompt sampled from the current policy in one batch,
// and their packing into training batches (prompt + completion, loss on the tokens the policy
// sampled only: never on the prompt nor on tool outputs spliced into the completion).
#pragma once

#include <cstdint>
#include <vector>

#include "infer/generator.h"
#include "model/transformer.h"

namespace r1::rl {

// A rollout's tool use (rl/tool_rollout.h).
struct ToolUse {
  int64_t calls = 0;   // calls answered (a malformed call block counts as one failed call)
  int64_t turns = 0;   // tool rounds: a call block answered and the rollout resumed
  int64_t errors = 0;  // calls that failed (unknown tool, bad arguments or expression, markup)
};

struct Rollout {
  int64_t group = 0;              // index of its prompt in the batch
  std::vector<int32_t> prompt;    // token ids
  // The ids after the prompt (a final stop token included): sampled ones and, with tools, the
  // spliced tool outputs; text: the model's own text, the one the reward reads; finish reason.
  Completion completion;
  // [completion.tokens.size()] 1 where the policy sampled the token, 0 on spliced tool
  // outputs; empty: every token was sampled.
  std::vector<uint8_t> sampled;
  ToolUse tools;
};

// The completion tokens the policy sampled (all of them without tool outputs).
int64_t sampled_tokens(const Rollout& rollout);

struct RolloutSettings {
  int64_t group_size = 8;   // G samples per prompt
  int64_t max_tokens = 256; // per completion
  SamplingParams sampling;  // the policy's distribution: temperature 1, no top-p/top-k for RL
  std::vector<int32_t> stop_tokens;  // besides end-of-sequence (tools: the calls-end token)
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
// predicts a completion token the policy sampled (0 where it predicts a tool output's token).
// T = longest prompt + completion - 1.
TrainBatch pack_rollouts(const std::vector<Rollout>& rollouts, const std::vector<size_t>& rows,
                         int32_t pad_id);

// Splits rollouts into micro-batches of at most `max_rows` sequences, longest first so that
// sequences of similar length share a batch (less padding).
std::vector<std::vector<size_t>> length_sorted_micro_batches(const std::vector<Rollout>& rollouts,
                                                             int64_t max_rows);

}  // namespace r1::rl
