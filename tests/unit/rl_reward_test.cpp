// Rewards: the weighted sum over a grid of completions (right/wrong/malformed/hacked, both
// templates), DAPO's overlong shaping, config validation, and the prompt templates.
#include <gtest/gtest.h>

#include "chat/chat_template.h"
#include "core/error.h"
#include "rl/prompt_template.h"
#include "rl/reward.h"

namespace r1::rl {
namespace {

TEST(RlReward, OverlongShapingFollowsDapo) {
  // L_max = 100, L_cache = 20: free up to 80 tokens, then linear to -1 at 100.
  EXPECT_EQ(overlong_penalty(0, 100, 20), 0.0);
  EXPECT_EQ(overlong_penalty(80, 100, 20), 0.0);
  EXPECT_DOUBLE_EQ(overlong_penalty(81, 100, 20), -0.05);
  EXPECT_DOUBLE_EQ(overlong_penalty(90, 100, 20), -0.5);
  EXPECT_DOUBLE_EQ(overlong_penalty(100, 100, 20), -1.0);
  EXPECT_EQ(overlong_penalty(101, 100, 20), -1.0);
  EXPECT_EQ(overlong_penalty(5000, 0, 0), 0.0);  // off
  EXPECT_EQ(overlong_penalty(100, 100, 0), 0.0);  // hard limit only
  EXPECT_EQ(overlong_penalty(101, 100, 0), -1.0);
}

TEST(RlReward, ConfigValidation) {
  EXPECT_NO_THROW(validate(RewardConfig{}));
  RewardConfig c;
  c.format_weight = -0.1;
  EXPECT_THROW(validate(c), UsageError);
  c = RewardConfig{};
  c.max_tokens = 100;
  c.cache_tokens = 200;
  try {
    validate(c);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "overlong shaping: expected 0 <= cache tokens (200) <= max tokens (100)");
  }
}

struct GridCase {
  TemplateKind kind;
  const char* completion;
  double accuracy, format;
  FormatIssue issue;
};

TEST(RlReward, GridOfCompletions) {
  const std::unique_ptr<Task> task = make_task("countdown");
  const Problem p = task->from_json(Json::parse(R"({"nums": [2, 3, 7], "target": 13})"), "t");
  const GridCase cases[] = {
      {TemplateKind::R1Zero, "<think>2*3=6, +7</think> <answer>2 * 3 + 7</answer>", 1, 1,
       FormatIssue::None},
      {TemplateKind::R1Zero, "<think>guess</think> <answer>2 + 3 + 7</answer>", 0, 1,
       FormatIssue::None},
      {TemplateKind::R1Zero, "<think>x</think> so <answer>2 * 3 + 7</answer>", 1, 0,
       FormatIssue::TextOutsideAnswer},
      {TemplateKind::R1Zero, "<think>x</think> <answer>2 * 3 + 7</answer><answer>13</answer>", 0,
       0, FormatIssue::SeveralAnswers},
      {TemplateKind::R1Zero, "<think><answer>2 * 3 + 7</answer></think>", 0, 0,
       FormatIssue::AnswerInThinking},
      {TemplateKind::R1Zero, "<think>x</think> <answer> </answer>", 0, 0, FormatIssue::EmptyAnswer},
      {TemplateKind::R1Zero, "<think>x</think> <answer>2 * 3 + 7", 0, 0,
       FormatIssue::UnbalancedTags},
      {TemplateKind::R1Zero, "<think>x</think> <answer>2 * (3 + 7</answer>", 0, 1,
       FormatIssue::None},
      {TemplateKind::R1Zero, "<think>x</think> <answer>7 * 2 - 3 / (3 - 3)</answer>", 0, 1,
       FormatIssue::None},
      {TemplateKind::R1, "2*3=6\n</think>\nSo \\boxed{2 * 3 + 7}.", 1, 1, FormatIssue::None},
      {TemplateKind::R1, "\\boxed{2 * 3 + 7}</think> done", 0, 0, FormatIssue::AnswerInThinking},
      {TemplateKind::R1, "x</think> \\boxed{2 * 3 + 7} \\boxed{13}", 0, 0,
       FormatIssue::SeveralAnswers},
      {TemplateKind::R1, "x</think> \\boxed{2 * 3 + 7", 0, 0, FormatIssue::UnbalancedBraces},
  };
  RewardConfig config;  // accuracy 1, format 0.1
  for (const GridCase& c : cases) {
    const bool opens = c.kind == TemplateKind::R1;
    const RewardBreakdown r = compute_reward(*task, p, c.completion, 10, c.kind, opens, config);
    EXPECT_EQ(r.accuracy, c.accuracy) << c.completion << ": " << r.reason;
    EXPECT_EQ(r.format, c.format) << c.completion << ": " << r.reason;
    EXPECT_EQ(r.issue, c.issue) << c.completion;
    EXPECT_EQ(r.overlong, 0.0);
    EXPECT_DOUBLE_EQ(r.total, c.accuracy + 0.1 * c.format) << c.completion;
    if (c.accuracy == 1 && c.format == 1) {
      EXPECT_EQ(r.reason, "");
    } else {
      EXPECT_FALSE(r.reason.empty()) << c.completion;
    }
  }
}

TEST(RlReward, HackingGuardsHoldEvenWithoutAFormatReward) {
  const std::unique_ptr<Task> task = make_task("arithmetic");
  const Problem p = task->from_json(Json::parse(R"({"expression": "2 + 2"})"), "t");
  RewardConfig config;
  config.format_weight = 0;
  for (const char* hacked : {"<think>x</think> <answer>3</answer> <answer>4</answer>",
                             "<think><answer>4</answer></think>",
                             "<think>4</think> <answer></answer>"}) {
    const RewardBreakdown r =
        compute_reward(*task, p, hacked, 10, TemplateKind::R1Zero, false, config);
    EXPECT_EQ(r.total, 0.0) << hacked;
    EXPECT_FALSE(r.has_answer) << hacked;
  }
}

TEST(RlReward, WeightsAndOverlongCombine) {
  const std::unique_ptr<Task> task = make_task("arithmetic");
  const Problem p = task->from_json(Json::parse(R"({"expression": "2 + 2"})"), "t");
  RewardConfig config;
  config.accuracy_weight = 2.0;
  config.format_weight = 0.5;
  config.max_tokens = 100;
  config.cache_tokens = 20;
  config.overlong_weight = 1.0;
  const std::string right = "<think>2+2</think><answer>4</answer>";
  const RewardBreakdown r = compute_reward(*task, p, right, 90, TemplateKind::R1Zero, false, config);
  EXPECT_EQ(r.accuracy, 1.0);
  EXPECT_EQ(r.format, 1.0);
  EXPECT_DOUBLE_EQ(r.overlong, -0.5);
  EXPECT_DOUBLE_EQ(r.total, 2.0 + 0.5 - 0.5);
  const RewardBreakdown w = compute_reward(*task, p, "<think>x</think><answer>5</answer>", 120,
                                           TemplateKind::R1Zero, false, config);
  EXPECT_DOUBLE_EQ(w.total, 0.5 - 1.0);
  EXPECT_EQ(w.reason, "5 is not 4");
  const Json j = reward_to_json(w);
  EXPECT_EQ(j["answer"], "5");
  EXPECT_EQ(j["issue"], "none");
  EXPECT_DOUBLE_EQ(j["total"].get<double>(), -0.5);
  const Json none = reward_to_json(compute_reward(*task, p, "no tags", 1, TemplateKind::R1Zero,
                                                  false, config));
  EXPECT_TRUE(none["answer"].is_null());
  EXPECT_EQ(none["issue"], "missing_think_close");
}

TEST(RlPromptTemplate, R1ZeroTemplateIsThePapersTable1) {
  EXPECT_EQ(r1_zero_prompt("What is 2 + 2?"),
            "A conversation between User and Assistant. The user asks a question, and the "
            "Assistant solves it. The assistant first thinks about the reasoning process in the "
            "mind and then provides the user with the answer. The reasoning process and answer "
            "are enclosed within <think> </think> and <answer> </answer> tags, respectively, "
            "i.e., <think> reasoning process here </think> <answer> answer here </answer>. User: "
            "What is 2 + 2?. Assistant:");
  EXPECT_EQ(render_prompt(TemplateKind::R1Zero, "q", nullptr), r1_zero_prompt("q"));
  EXPECT_FALSE(prompt_opens_think(r1_zero_prompt("q")));
}

TEST(RlPromptTemplate, R1PromptUsesTheModelsChatTemplate) {
  const ChatTemplate chat = ChatTemplate::load(
      std::string(R1_SOURCE_DIR) + "/tests/chat_template/templates/deepseek_r1/tokenizer_config.json");
  const std::string prompt = render_prompt(TemplateKind::R1, "What is 2 + 2?", &chat);
  EXPECT_EQ(prompt,
            "<｜begin▁of▁sentence｜><｜User｜>What is 2 + 2?\nPlease reason step by step, and put "
            "your final answer within \\boxed{}.<｜Assistant｜><think>\n");
  EXPECT_TRUE(prompt_opens_think(prompt));
  EXPECT_THROW(render_prompt(TemplateKind::R1, "q", nullptr), UsageError);
}

}  // namespace
}  // namespace r1::rl
