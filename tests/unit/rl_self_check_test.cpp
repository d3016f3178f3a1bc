// Attempts, checks and retries are counted clause by clause in the reasoning only; a verdict
// untrue of the attempt's exact value is a false check; consistency is the notation's share of
// the words; the tally's rates and accuracy splits follow from their definitions.
#include <gtest/gtest.h>

#include "core/error.h"
#include "rl/reward.h"
#include "rl/self_check.h"
#include "rl/task.h"

namespace r1::rl {
namespace {

TEST(SelfCheck, AnUncheckedAttempt) {
  const SelfChecks c = count_self_checks(" <think> 95 - 21 + 6 </think> <answer> 80 </answer>");
  EXPECT_EQ(c.attempts, 1);
  EXPECT_EQ(c.checks, 0);
  EXPECT_EQ(c.retries, 0);
}

TEST(SelfCheck, AFailedCheckThenARetryThatPasses) {
  const SelfChecks c = count_self_checks(
      " <think> 95 - 43 + 21 = 52 + 21 = 73 != 80 . try again . 95 - 21 + 6 = 74 + 6 = 80 == 80 ."
      " </think> <answer> 95 - 21 + 6 </answer>");
  EXPECT_EQ(c.attempts, 2);
  EXPECT_EQ(c.checks, 2);
  EXPECT_EQ(c.failed_checks, 1);
  EXPECT_EQ(c.retries, 1);
  EXPECT_EQ(c.false_checks, 0);
}

// The corpus writes the target before the verdict: "V , T != V" compares T with the attempt.
TEST(SelfCheck, TheTargetFirstFormComparesTheValueAfterTheComma) {
  const std::string text =
      " <think> 95 - 43 + 21 = 52 + 21 = 73 , 80 != 73 . try again . 95 - 21 + 6 = 74 + 6 = 80 ,"
      " 80 == 80 . 9 + 1 = 10 , 80 == 10 . 9 + 2 = 11 , 11 != 11 . </think> <answer> 9 </answer>";
  const SelfChecks c = count_self_checks(text);
  EXPECT_EQ(c.attempts, 4);
  EXPECT_EQ(c.checks, 4);
  EXPECT_EQ(c.failed_checks, 2);
  EXPECT_EQ(c.retries, 1);       // the third attempt follows a passed check
  EXPECT_EQ(c.false_checks, 2);  // "80 == 10" and "11 != 11"
  EXPECT_DOUBLE_EQ(c.consistency, 1.0);
  const SelfChecks g = count_self_checks(text, Rational(80));
  EXPECT_EQ(g.off_goal_checks, 1);  // "11 != 11" compares with 11, not the target
  EXPECT_EQ(g.false_checks, 1);     // "80 == 10"; "11 != 11" is true of 9 + 2 against 80
}

TEST(SelfCheck, OneRetryPerFailedCheckAndUncheckedAttemptsAreNotRetries) {
  const SelfChecks c =
      count_self_checks("<think> 1 + 2 = 3 != 4 . 2 + 1 . 1 * 2 . 1 + 2 + 1 = 4 == 4 </think>");
  EXPECT_EQ(c.attempts, 4);
  EXPECT_EQ(c.checks, 2);
  EXPECT_EQ(c.failed_checks, 1);
  EXPECT_EQ(c.retries, 1);
}

TEST(SelfCheck, AVerdictUntrueOfTheExactValueIsAFalseCheck) {
  // 5 + 5 is 10, so "!= 10" is false; 7 / 2 is 7/2, so "== 3" is false; "6 == 6" is true even
  // though the chain's middle step is wrong (the verdict is about the attempt).
  const SelfChecks c =
      count_self_checks("5 + 5 = 10 != 10 . 7 / 2 = 3 == 3 . 2 * 3 = 5 = 6 == 6 . 1 + 1 == x .");
  EXPECT_EQ(c.checks, 4);
  EXPECT_EQ(c.false_checks, 3);
  EXPECT_EQ(c.failed_checks, 1);
}

// With the task's goal a verdict is judged against it: "33 == 33" for target 84 is a check of
// another value than the target and claims a wrong attempt right (what a model that copies the
// chain's value after "==" writes); "!= 50" is true of an attempt that misses 84.
TEST(SelfCheck, AgainstTheGoalACheckOfAnotherValueIsOffTargetAndJudgedByTheGoal) {
  const std::string text =
      "<think> 20 + 14 - 1 = 34 - 1 = 33 == 33 . 20 + 14 = 34 != 50 . 4 * 21 = 84 == 84 . "
      "4 * 21 = 84 != 84 . </think>";
  const SelfChecks without_goal = count_self_checks(text);
  EXPECT_EQ(without_goal.false_checks, 1);
  EXPECT_EQ(without_goal.off_goal_checks, 0);
  const SelfChecks c = count_self_checks(text, Rational(84));
  EXPECT_EQ(c.checks, 4);
  EXPECT_EQ(c.off_goal_checks, 2);
  EXPECT_EQ(c.false_checks, 2);  // "33 == 33" and "84 != 84"
  // The reward scores countdown's completions against the problem's target.
  const auto task = make_task("countdown");
  Problem p = task->from_json(Json::parse(R"({"nums": [20, 14, 1], "target": 84})"), "test");
  const RewardBreakdown r = compute_reward(*task, p, text + " <answer> 20 + 14 - 1 </answer>", 40,
                                           TemplateKind::R1Zero, false, {});
  EXPECT_EQ(r.self_checks.false_checks, 2);
  EXPECT_EQ(r.self_checks.off_goal_checks, 2);
  SelfCheckTally t;
  t.add(c, false);
  EXPECT_DOUBLE_EQ(t.metrics()["off_target_check_rate"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(t.metrics()["false_check_rate"].get<double>(), 0.5);
}

TEST(SelfCheck, OnlyTheReasoningCountsAndOtherNotationsHaveNoAttempts) {
  EXPECT_EQ(count_self_checks("<think> </think> <answer> 1 + 2 = 3 != 4 </answer>").attempts, 0);
  EXPECT_EQ(count_self_checks("<think> a = 7 , b = 2 , 7 - 2 = 5 </think>").attempts, 0);
  EXPECT_EQ(count_self_checks("<think> 7 + 6 - 5 , 13 - 5 , 8 </think>").attempts, 0);
  EXPECT_EQ(count_self_checks("<think> quick guess </think> <answer> 12 </answer>").attempts, 0);
  EXPECT_EQ(count_self_checks("").attempts, 0);
  EXPECT_EQ(count_self_checks("12 . 3 . (").attempts, 0);  // lone numbers are not attempts
  EXPECT_EQ(count_self_checks("<think>1+2==3</think>").checks, 1);
}

TEST(SelfCheck, ConsistencyIsTheShareOfReasoningWordsInTheNotation) {
  EXPECT_DOUBLE_EQ(count_self_checks(" <think> 1 + 2 = 3 != 4 . try again . (2 * 2) = 4 == 4 . "
                                     "</think> <answer> so 2 * 2 </answer>")
                       .consistency,
                   1.0);
  EXPECT_DOUBLE_EQ(count_self_checks("<think> hmm 2 * 2 = 4 </think>").consistency, 5.0 / 6);
  EXPECT_DOUBLE_EQ(count_self_checks("<think> </think> <answer> 4 </answer>").consistency, 0.0);
}

TEST(SelfCheck, ConsistencyRewardOnlyForTasksWithTheNotation) {
  const auto countdown = make_task("countdown");
  const Problem p = countdown->from_json({{"nums", {2, 2, 1}}, {"target", 5}}, "test");
  RewardConfig config;
  config.consistency_weight = 0.5;
  const RewardBreakdown r = compute_reward(
      *countdown, p,
      " <think> well 2 * 2 + 1 = 4 + 1 = 5 == 5 . </think> <answer> 2 * 2 + 1 </answer>", 20,
      TemplateKind::R1Zero, false, config);
  EXPECT_DOUBLE_EQ(r.self_checks.consistency, 14.0 / 15);
  EXPECT_DOUBLE_EQ(r.total, 1.0 + 0.1 + 0.5 * 14.0 / 15);
  const auto linear = make_task("linear");
  EXPECT_THROW(compute_reward(*linear, linear->generate(1), "<think> </think> <answer> 1 </answer>",
                              5, TemplateKind::R1Zero, false, config),
               UsageError);
  config.consistency_weight = -1;
  EXPECT_THROW(validate(config), UsageError);
}

TEST(SelfCheck, TallyRatesAndAccuracyByAttempts) {
  SelfCheckTally t;
  t.add({1, 0, 0, 0, 0, 1.0}, true);   // one unchecked attempt, right
  t.add({1, 1, 1, 0, 0, 0.5}, false);  // failed check, gave up
  t.add({2, 2, 1, 1, 0, 1.0}, true);   // retried and right
  t.add({3, 3, 2, 2, 1, 1.0}, false);  // retried twice, one false check, wrong
  t.add({0, 0, 0, 0, 0, 1.0}, false);  // no attempt: never readable
  const Json m = t.metrics();
  EXPECT_DOUBLE_EQ(m["attempts_per_rollout"].get<double>(), 7.0 / 5);
  EXPECT_DOUBLE_EQ(m["check_rate"].get<double>(), 3.0 / 5);
  EXPECT_DOUBLE_EQ(m["retry_rate"].get<double>(), 3.0 / 4);
  EXPECT_DOUBLE_EQ(m["retry_rollout_rate"].get<double>(), 2.0 / 5);
  EXPECT_DOUBLE_EQ(m["false_check_rate"].get<double>(), 1.0 / 6);
  EXPECT_DOUBLE_EQ(m["accuracy_with_retry"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(m["consistency_mean"].get<double>(), 4.5 / 5);
  EXPECT_DOUBLE_EQ(m["readable_rate"].get<double>(), 3.0 / 5);
  EXPECT_DOUBLE_EQ(m["accuracy_1_attempt"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(m["accuracy_2_attempts"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(m["accuracy_3plus_attempts"].get<double>(), 0.0);
  EXPECT_EQ(m["rollouts_0_attempts"].get<int64_t>(), 1);
  EXPECT_EQ(m["rollouts_1_attempts"].get<int64_t>(), 2);
  EXPECT_EQ(m["rollouts_3plus_attempts"].get<int64_t>(), 1);
  SelfCheckTally empty;
  const Json e = empty.metrics();
  EXPECT_DOUBLE_EQ(e["retry_rate"].get<double>(), 0.0);
  EXPECT_FALSE(e.contains("accuracy_with_retry"));
  EXPECT_FALSE(e.contains("accuracy_1_attempt"));
}

}  // namespace
}  // namespace r1::rl
