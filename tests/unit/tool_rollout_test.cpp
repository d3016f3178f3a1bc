// The tool loop's pieces on a tiny model with a byte-level tokenizer that has DeepSeek's tool
// tokens: a call block answered by the calculator is spliced into the rollout as tokens the
// loss mask leaves out, a resumed rollout continues exactly as generating from the spliced
// prefix in one go (greedy), the reward text leaves the markup out, turn and token limits hold.
#include "rl/tool_rollout.h"

#include <gtest/gtest.h>

#include "byte_tokenizer.h"
#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "test_util.h"

namespace r1::rl {
namespace {

using namespace tool_tokens;

Tokenizer tool_tokenizer() {
  std::vector<std::pair<std::string, bool>> added = {{"<eos>", true}};
  for (std::string_view t : {kCallsBegin, kCallsEnd, kCallBegin, kCallEnd, kSep, kOutputsBegin,
                             kOutputsEnd, kOutputBegin, kOutputEnd})
    added.emplace_back(std::string(t), true);
  return test::byte_tokenizer(added);
}

struct Fixture {
  Tokenizer tok = tool_tokenizer();
  ToolContext ctx;
  Fixture() {
    RolloutTools tools;
    tools.names = {"calculator"};
    tools.max_turns = 2;
    ctx = make_tool_context(tok, tools, ToolCallFormat::R1);
  }
  // A rollout whose (sampled) completion so far is `text`, stopped at its last token.
  Rollout stopped_at(const std::string& text) const {
    Rollout r;
    r.prompt = tok.encode("What is 2 + 3?", false);
    r.completion.tokens = tok.encode(text, false);
    r.completion.finish_reason = "stop";
    return r;
  }
  std::string call(const std::string& expression) const {
    return tool_call_block(ToolCallFormat::R1, "calculator",
                           "{\"expression\": \"" + expression + "\"}");
  }
};

TEST(ToolRollout, SpliceAppendsTheOutputMaskedOutOfTheLoss) {
  Fixture f;
  Rollout r = f.stopped_at(" <think> " + f.call("2 + 3"));
  const size_t sampled = r.completion.tokens.size();
  ASSERT_TRUE(splice_tool_outputs(f.ctx, r));
  const std::vector<int32_t> output =
      f.tok.encode(tool_outputs_text(ToolCallFormat::R1, {"5"}), false);
  ASSERT_EQ(r.completion.tokens.size(), sampled + output.size());
  EXPECT_EQ(
      std::vector<int32_t>(r.completion.tokens.begin() + long(sampled), r.completion.tokens.end()),
      output);
  EXPECT_EQ(r.tools.calls, 1);
  EXPECT_EQ(r.tools.turns, 1);
  EXPECT_EQ(r.tools.errors, 0);
  EXPECT_EQ(sampled_tokens(r), int64_t(sampled));
  // The model answers after the output: two sampled tokens more.
  const std::vector<int32_t> answer = f.tok.encode("ok", false);
  r.completion.tokens.insert(r.completion.tokens.end(), answer.begin(), answer.end());
  r.sampled.insert(r.sampled.end(), answer.size(), 1);

  const TrainBatch b = pack_rollouts({r}, {0}, 0);
  const size_t P = r.prompt.size();
  ASSERT_EQ(b.T, int64_t(P + r.completion.tokens.size()) - 1);
  for (int64_t t = 0; t < b.T; ++t) {
    // Position t predicts token t + 1: a prompt token, a sampled one, or a tool output's.
    const int64_t j = t + 1 - int64_t(P);  // completion index predicted
    const bool want = j >= 0 && (size_t(j) < sampled || size_t(j) >= sampled + output.size());
    EXPECT_EQ(b.mask[size_t(t)], want ? 1 : 0) << "position " << t;
  }
}

TEST(ToolRollout, ToolErrorsAreAnsweredAndCounted) {
  Fixture f;
  Rollout bad = f.stopped_at(" <think> " + f.call("1 / 0"));
  ASSERT_TRUE(splice_tool_outputs(f.ctx, bad));
  EXPECT_EQ(bad.tools.errors, 1);
  EXPECT_NE(f.tok.decode(bad.completion.tokens)
                .find("<｜tool▁output▁begin｜>error: division by zero<｜tool▁output▁end｜>"),
            std::string::npos);
  // Markup the parser rejects (arguments that are not JSON) is one failed call.
  Rollout broken = f.stopped_at(std::string(kCallsBegin) + std::string(kCallBegin) + "function" +
                                std::string(kSep) + "calculator\n```json\n{oops\n```" +
                                std::string(kCallEnd) + std::string(kCallsEnd));
  ASSERT_TRUE(splice_tool_outputs(f.ctx, broken));
  EXPECT_EQ(broken.tools.calls, 1);
  EXPECT_EQ(broken.tools.errors, 1);
  // Not stopped at the calls-end token, or out of turns: nothing to run.
  Rollout plain = f.stopped_at(" <think> 5 </think>");
  EXPECT_FALSE(splice_tool_outputs(f.ctx, plain));
  Rollout twice = f.stopped_at(f.call("1 + 1"));
  ASSERT_TRUE(splice_tool_outputs(f.ctx, twice));
  const std::vector<int32_t> again = f.tok.encode(f.call("2 + 2"), false);
  for (int turn = 0; turn < 2; ++turn) {
    twice.completion.tokens.insert(twice.completion.tokens.end(), again.begin(), again.end());
    twice.sampled.insert(twice.sampled.end(), again.size(), 1);
    EXPECT_EQ(splice_tool_outputs(f.ctx, twice), turn == 0) << turn;  // max_turns 2
  }
  EXPECT_EQ(twice.tools.turns, 2);
  EXPECT_NE(f.tok.decode(twice.completion.tokens).find("begin｜>4<"), std::string::npos);
}

TEST(ToolRollout, ResumedRolloutEqualsGeneratingFromTheSplicedPrefix) {
  Fixture f;
  const std::string dir = test::make_temp_dir("toolroll");
  ASSERT_EQ(test::run_r1("init --preset tiny-qwen2 --out " + dir).exit_code, 0);
  const auto model = ModelDir::open(dir).load_model();
  const Generator gen(*model, &f.tok, {f.tok.token_to_id("<eos>")});
  RolloutSettings s;
  s.max_tokens = 96;  // the byte-level call block alone is 68 tokens
  s.sampling.temperature = 0.0f;
  std::vector<Rollout> rollouts = {f.stopped_at(" <think> " + f.call("6 * 7")),
                                   f.stopped_at(" <think> 42 </think>")};
  const int64_t before = sampled_tokens(rollouts[0]);
  GenerationStats stats;
  EXPECT_EQ(tool_round(gen, f.ctx, rollouts, s, 1, &stats), 1);
  const Rollout& r = rollouts[0];
  EXPECT_EQ(r.tools.turns, 1);
  EXPECT_EQ(rollouts[1].completion.tokens, f.tok.encode(" <think> 42 </think>", false));

  // The spliced prefix, then the resumed tokens: the same as one greedy generation from it.
  const std::vector<int32_t> spliced = f.tok.encode(
      " <think> " + f.call("6 * 7") + tool_outputs_text(ToolCallFormat::R1, {"42"}).text, false);
  ASSERT_GT(r.completion.tokens.size(), spliced.size());
  EXPECT_EQ(std::vector<int32_t>(r.completion.tokens.begin(),
                                 r.completion.tokens.begin() + long(spliced.size())),
            spliced);
  GenerationRequest one;
  one.prompt = r.prompt;
  one.prompt.insert(one.prompt.end(), spliced.begin(), spliced.end());
  one.sampling.temperature = 0.0f;
  one.max_tokens = s.max_tokens - before;
  one.stop_tokens = {f.ctx.calls_end};
  const Completion want = gen.generate(one)[0];
  EXPECT_EQ(std::vector<int32_t>(r.completion.tokens.begin() + long(spliced.size()),
                                 r.completion.tokens.end()),
            want.tokens);
  EXPECT_EQ(r.completion.finish_reason, want.finish_reason);
  EXPECT_EQ(stats.generated_tokens, int64_t(want.tokens.size()));
  // The sampled budget covers every turn: at most max_tokens sampled in all.
  EXPECT_LE(sampled_tokens(r), s.max_tokens);
}

TEST(ToolRollout, ModelTextLeavesTheCallsAndOutputsOut) {
  Fixture f;
  Rollout r = f.stopped_at(" <think> " + f.call("2 + 3"));
  ASSERT_TRUE(splice_tool_outputs(f.ctx, r));
  const std::vector<int32_t> rest = f.tok.encode(" </think> <answer> 5 </answer><eos>", false);
  r.completion.tokens.insert(r.completion.tokens.end(), rest.begin(), rest.end());
  r.sampled.insert(r.sampled.end(), rest.size(), 1);
  EXPECT_EQ(model_text(f.ctx, r), " <think>  </think> <answer> 5 </answer>");
}

TEST(ToolRollout, NeedsATokenizerWithTheToolTokens) {
  const Tokenizer plain = test::byte_tokenizer({{"<eos>", true}});
  RolloutTools tools;
  tools.names = {"calculator"};
  try {
    make_tool_context(plain, tools, ToolCallFormat::R1);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("needs a tokenizer with DeepSeek's tool-call tokens"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace r1::rl
