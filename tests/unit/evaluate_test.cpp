// maj@k voting: equal values vote together whatever their spelling, ties go to the answer
// seen first, samples without an answer do not vote; a record sent between ranks keeps every
// field.
#include "rl/evaluate.h"

#include <gtest/gtest.h>

#include "rl/reward.h"

namespace r1::rl {
namespace {

std::vector<EvalSample> with_answers(const std::vector<std::string>& answers) {
  std::vector<EvalSample> out;
  for (const std::string& a : answers) {
    EvalSample s;
    s.score.has_answer = !a.empty();
    s.score.answer = a;
    out.push_back(s);
  }
  return out;
}

TEST(Evaluate, MajorityGroupsEqualValuesAndBreaksTiesByFirstSeen) {
  EXPECT_EQ(majority_sample(with_answers({"3", "0.5", "1/2", "\\frac{1}{2}", "3"})), 1);
  EXPECT_EQ(majority_sample(with_answers({"7", "8", "8", "7"})), 0);
  EXPECT_EQ(majority_sample(with_answers({"", "", "x"})), 2);
  EXPECT_EQ(majority_sample(with_answers({"", ""})), -1);
  EXPECT_EQ(majority_sample(with_answers({"2", "3.0", "3"})), 1);
}

// The self-check counts travel too: without them a run on several ranks saw no checks, and
// r1 reject --readable kept nothing.
TEST(Evaluate, ARecordLineKeepsEveryFieldIncludingTheSelfChecks) {
  const auto task = make_task("countdown");
  const Problem p = task->from_json(Json::parse(R"({"nums": [20, 14, 1], "target": 33})"), "t");
  EvalSample s;
  s.problem = 3;
  s.completion =
      " <think> 20 + 14 = 34 , 33 != 34 . try again . 20 + 14 - 1 = 34 - 1 = 33 , 33 == 33 . "
      "</think> <answer> 20 + 14 - 1 </answer>";
  s.transcript = s.completion;
  s.tokens = 41;
  s.score = compute_reward(*task, p, s.completion, s.tokens, TemplateKind::R1Zero, false, {});
  s.tools = {1, 2, 3};
  ASSERT_EQ(s.score.self_checks.retries, 1);
  const std::string line = eval_record_line(s);
  const EvalSample back = eval_record_from_line(line);
  EXPECT_EQ(eval_record_line(back), line);
  const SelfChecks &a = s.score.self_checks, &b = back.score.self_checks;
  EXPECT_EQ(b.attempts, 2);
  EXPECT_EQ(b.checks, a.checks);
  EXPECT_EQ(b.failed_checks, a.failed_checks);
  EXPECT_EQ(b.retries, a.retries);
  EXPECT_EQ(b.false_checks, a.false_checks);
  EXPECT_EQ(b.off_goal_checks, a.off_goal_checks);
  EXPECT_EQ(b.consistency, a.consistency);
  EXPECT_EQ(back.score.accuracy, 1.0);
  EXPECT_EQ(back.score.answer, "20 + 14 - 1");
  EXPECT_EQ(back.problem, 3u);
  EXPECT_EQ(back.tools.turns, 2);
}

}  // namespace
}  // namespace r1::rl
