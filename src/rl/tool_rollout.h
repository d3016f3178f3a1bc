// Tool use inside rollouts: a rollout that stops at <｜tool▁calls▁end｜> has its call block
// parsed (chat/tool_call_parser.h), the calls run (rl/rollout_tools.h) and their outputs
// appended in the chat template's tool-output form as tokens the loss never counts; then it
// resumes, up to RolloutTools::max_turns rounds. A resumed rollout is prefilled again (prompt +
// completion so far): the Generator starts every sequence from a prompt and keeps no KV cache
// between calls, so each round costs one batched prefill of the resumed rollouts.
#pragma once

#include <cstdint>
#include <vector>

#include "chat/tool_call_format.h"
#include "infer/generator.h"
#include "rl/rollout.h"
#include "rl/rollout_tools.h"
#include "tokenizer/tokenizer.h"

namespace r1::rl {

struct ToolContext {
  const Tokenizer* tokenizer = nullptr;
  RolloutTools tools;
  ToolCallFormat format = ToolCallFormat::R1;
  int32_t calls_begin = -1, calls_end = -1;  // the tokenizer's ids of the block's markers
};

// UsageError when the tokenizer lacks a token of the tool-call or tool-output markup (the
// model could not write a call nor read an output), or for invalid tools settings.
ToolContext make_tool_context(const Tokenizer& tokenizer, const RolloutTools& tools,
                              ToolCallFormat format);

// When the rollout's last turn stopped at the calls-end token and it has a tool round left:
// runs the calls of that turn's block and appends their outputs (sampled = 0), counting calls,
// turns and errors; true if it did. A block the parser rejects (or an empty one) is answered by
// one error output.
bool splice_tool_outputs(const ToolContext& ctx, Rollout& rollout);

// One tool round over `rollouts`: splice_tool_outputs on each (and only while it has sampled
// fewer than settings.max_tokens tokens), then every spliced rollout resumed in one batched
// generation with at most its remaining tokens; rollout i draws from seed settings.sampling.seed
// + i + round * 0x9E3779B97F4A7C15. Returns the rollouts resumed; stats accumulate.
int64_t tool_round(const Generator& generator, const ToolContext& ctx,
                   std::vector<Rollout>& rollouts, const RolloutSettings& settings, int64_t round,
                   GenerationStats* stats);

// The model's own text of a rollout: each run of sampled tokens decoded without special tokens
// up to its call block (tool-call markup and tool outputs left out), concatenated. What the
// reward reads: only the model's final answer can earn it.
std::string model_text(const ToolContext& ctx, const Rollout& rollout);

// generate_rollouts with the calls-end token as a stop, then tool rounds until none resumes;
// completion.text is model_text.
RolloutBatch generate_tool_rollouts(const Generator& generator, const ToolContext& ctx,
                                    const std::vector<std::vector<int32_t>>& prompts,
                                    const RolloutSettings& settings);

}  // namespace r1::rl
