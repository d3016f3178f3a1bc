// The tool loop of rollouts: stop at the calls-end token, parse the block with the one
// ToolCallParser, run the calls, splice the outputs (masked), resume by prefilling again.
#include "rl/tool_rollout.h"

#include <algorithm>

#include "chat/tool_call_parser.h"
#include "core/error.h"

namespace r1::rl {

ToolContext make_tool_context(const Tokenizer& tokenizer, const RolloutTools& tools,
                              ToolCallFormat format) {
  validate(tools);
  using namespace tool_tokens;
  std::vector<std::string_view> markup = {kCallsBegin, kCallBegin,   kSep,      kCallEnd,
                                          kCallsEnd,   kOutputBegin, kOutputEnd};
  if (format == ToolCallFormat::R1) markup.insert(markup.end(), {kOutputsBegin, kOutputsEnd});
  for (std::string_view token : markup)
    if (tokenizer.token_to_id(token) < 0)
      throw UsageError(
          "--tools needs a tokenizer with DeepSeek's tool-call tokens; this one has no " +
          std::string(token));
  ToolContext ctx;
  ctx.tokenizer = &tokenizer;
  ctx.tools = tools;
  ctx.format = format;
  ctx.calls_begin = tokenizer.token_to_id(kCallsBegin);
  ctx.calls_end = tokenizer.token_to_id(kCallsEnd);
  return ctx;
}

bool splice_tool_outputs(const ToolContext& ctx, Rollout& r) {
  std::vector<int32_t>& tokens = r.completion.tokens;
  if (tokens.empty() || tokens.back() != ctx.calls_end || r.completion.finish_reason != "stop" ||
      r.tools.turns >= ctx.tools.max_turns)
    return false;
  if (r.sampled.empty()) r.sampled.assign(tokens.size(), 1);
  // The last turn: the sampled tokens after the last tool output; its block from calls-begin on.
  size_t turn = tokens.size();
  while (turn > 0 && r.sampled[turn - 1]) --turn;
  const auto block_begin = std::find(tokens.begin() + long(turn), tokens.end(), ctx.calls_begin);
  const std::string block = ctx.tokenizer->decode({block_begin, tokens.end()}, false);
  ToolCallOptions options;
  options.format = ctx.format;
  const AssistantMessage m = ToolCallParser::parse(block, options);
  std::vector<std::string> outputs;
  for (const ToolCall& call : m.tool_calls) {
    ToolResult result = run_tool_call(ctx.tools, call.name, call.arguments);
    outputs.push_back(std::move(result.output));
    r.tools.errors += result.error ? 1 : 0;
  }
  if (!m.error.empty() || m.tool_calls.empty()) {
    outputs.push_back("error: " + (m.error.empty() ? "no complete tool call before " +
                                                         std::string(tool_tokens::kCallsEnd)
                                                   : m.error));
    ++r.tools.errors;
  }
  r.tools.calls += int64_t(outputs.size());
  ++r.tools.turns;
  const std::vector<int32_t> ids =
      ctx.tokenizer->encode(tool_outputs_text(ctx.format, outputs), false);
  tokens.insert(tokens.end(), ids.begin(), ids.end());
  r.sampled.insert(r.sampled.end(), ids.size(), 0);
  return true;
}

int64_t tool_round(const Generator& generator, const ToolContext& ctx,
                   std::vector<Rollout>& rollouts, const RolloutSettings& s, int64_t round,
                   GenerationStats* stats) {
  std::vector<size_t> resumed;
  std::vector<GenerationRequest> requests;
  for (size_t i = 0; i < rollouts.size(); ++i) {
    Rollout& r = rollouts[i];
    const int64_t left = s.max_tokens - sampled_tokens(r);
    if (left < 1 || !splice_tool_outputs(ctx, r)) continue;
    GenerationRequest q;
    q.prompt = r.prompt;
    q.prompt.insert(q.prompt.end(), r.completion.tokens.begin(), r.completion.tokens.end());
    q.sampling = s.sampling;
    q.sampling.seed = s.sampling.seed + uint64_t(i) + uint64_t(round) * 0x9E3779B97F4A7C15ull;
    q.max_tokens = left;
    q.stop_tokens = s.stop_tokens;
    if (std::find(q.stop_tokens.begin(), q.stop_tokens.end(), ctx.calls_end) == q.stop_tokens.end())
      q.stop_tokens.push_back(ctx.calls_end);
    requests.push_back(std::move(q));
    resumed.push_back(i);
  }
  if (requests.empty()) return 0;
  GenerationStats st;
  std::vector<std::vector<Completion>> done = generator.generate_many(requests, &st);
  for (size_t k = 0; k < resumed.size(); ++k) {
    Rollout& r = rollouts[resumed[k]];
    const Completion& c = done[k][0];
    r.completion.tokens.insert(r.completion.tokens.end(), c.tokens.begin(), c.tokens.end());
    r.sampled.insert(r.sampled.end(), c.tokens.size(), 1);
    r.completion.finish_reason = c.finish_reason;
  }
  if (stats) {
    stats->prompt_tokens += st.prompt_tokens;
    stats->generated_tokens += st.generated_tokens;
    stats->prefill_seconds += st.prefill_seconds;
    stats->decode_seconds += st.decode_seconds;
  }
  return int64_t(resumed.size());
}

std::string model_text(const ToolContext& ctx, const Rollout& r) {
  const std::vector<int32_t>& t = r.completion.tokens;
  auto sampled = [&](size_t i) { return r.sampled.empty() || r.sampled[i] != 0; };
  std::string text;
  for (size_t i = 0; i < t.size();) {
    if (!sampled(i)) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < t.size() && sampled(end)) ++end;
    const auto cut = std::find(t.begin() + long(i), t.begin() + long(end), ctx.calls_begin);
    text += ctx.tokenizer->decode({t.begin() + long(i), cut}, true);
    i = end;
  }
  return text;
}

RolloutBatch generate_tool_rollouts(const Generator& generator, const ToolContext& ctx,
                                    const std::vector<std::vector<int32_t>>& prompts,
                                    const RolloutSettings& settings) {
  RolloutSettings s = settings;
  s.stop_tokens.push_back(ctx.calls_end);
  RolloutBatch batch = generate_rollouts(generator, prompts, s);
  int64_t round = 1;
  while (tool_round(generator, ctx, batch.rollouts, s, round, &batch.stats) > 0) ++round;
  for (Rollout& r : batch.rollouts) r.completion.text = model_text(ctx, r);
  return batch;
}

}  // namespace r1::rl
