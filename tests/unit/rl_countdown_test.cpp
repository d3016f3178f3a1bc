// Countdown: the generator's problems are solvable and follow the knobs; the verifier accepts
// every correct expression and rejects reused, missing or invented numbers, division by zero,
// overflow, malformed expressions and anything that is not an expression.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "io_test_util.h"
#include "rl/task.h"

namespace r1::rl {
namespace {

Problem countdown_problem(const Task& task, const std::string& record) {
  return task.from_json(Json::parse(record), "test:1");
}

TEST(RlCountdown, GeneratedProblemsAreSolvableAndFollowTheKnobs) {
  const std::unique_ptr<Task> task =
      make_task("countdown", {{"min_numbers", 3}, {"max_numbers", 5}, {"max_number", 30},
                              {"max_target", 200}});
  std::set<size_t> counts;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const Problem p = task->generate(seed);
    const std::vector<int64_t> nums = p.data["nums"].get<std::vector<int64_t>>();
    const int64_t target = p.data["target"].get<int64_t>();
    counts.insert(nums.size());
    EXPECT_GE(nums.size(), 3u);
    EXPECT_LE(nums.size(), 5u);
    for (int64_t n : nums) {
      EXPECT_GE(n, 1);
      EXPECT_LE(n, 30);
    }
    EXPECT_GE(target, 1);
    EXPECT_LE(target, 200);
    const AnswerCheck c = task->check(p, p.answer);
    EXPECT_TRUE(c.correct) << p.question << " solution " << p.answer << ": " << c.reason;
  }
  EXPECT_EQ(counts, (std::set<size_t>{3, 4, 5}));
}

TEST(RlCountdown, QuestionUsesTinyZeroWording) {
  const std::unique_ptr<Task> task = make_task("countdown");
  const Problem p = countdown_problem(*task, R"({"nums": [44, 19, 35], "target": 98})");
  EXPECT_EQ(p.question,
            "Using the numbers [44, 19, 35], create an equation that equals 98. You can use basic "
            "arithmetic operations (+, -, *, /) and each number can only be used once.");
  EXPECT_EQ(task->to_json(p), Json::parse(R"({"nums": [44, 19, 35], "target": 98})"));
}

TEST(RlCountdown, AcceptsCorrectExpressionsInAnyOrder) {
  const std::unique_ptr<Task> task = make_task("countdown");
  const Problem p = countdown_problem(*task, R"({"nums": [44, 19, 35], "target": 98})");
  for (const char* answer : {"44 + 19 + 35", "35+44+19", "(44 + 19) + 35", " 19 + (35 + 44) ",
                             "44+\n19+35"})
    EXPECT_TRUE(task->check(p, answer).correct) << answer;
  const Problem q = countdown_problem(*task, R"({"nums": [6, 4, 3, 1], "target": 8})");
  EXPECT_TRUE(task->check(q, "6 / 3 * 4 * 1").correct);
  EXPECT_TRUE(task->check(q, "(6 - 4) * (3 + 1)").correct);
  // Exact rationals: intermediate fractions are fine when the result is exact.
  const Problem r = countdown_problem(*task, R"({"nums": [1, 3, 9], "target": 3})");
  EXPECT_TRUE(task->check(r, "(1 / 3) * 9").correct);
}

TEST(RlCountdown, RejectsWrongNumbersWithAReason) {
  const std::unique_ptr<Task> task = make_task("countdown");
  const Problem p = countdown_problem(*task, R"({"nums": [44, 19, 35], "target": 98})");
  struct Case {
    const char* answer;
    const char* reason;
  };
  const Case cases[] = {
      {"44 + 44 + 19", "uses 44 more often than given"},
      {"44 + 19 + 35 + 0", "uses 0, which is not given"},
      {"44 + 54", "uses 54, which is not given"},
      {"98", "uses 98, which is not given"},
      {"44 + 19", "does not use 35"},
      {"44 + 19 + 35 - 35 + 35", "uses 35 more often than given"},
      {"4 + 4 + 19 + 35", "uses 4, which is not given"},
      {"44 + 19 - 35", "evaluates to 28, not 98"},
      {"44 * 19 / 35", "evaluates to 836/35, not 98"},
  };
  for (const Case& c : cases) {
    const AnswerCheck r = task->check(p, c.answer);
    EXPECT_FALSE(r.correct) << c.answer;
    EXPECT_EQ(r.reason, c.reason) << c.answer;
  }
}

TEST(RlCountdown, RejectsInvalidExpressions) {
  const std::unique_ptr<Task> task = make_task("countdown");
  const Problem p = countdown_problem(*task, R"({"nums": [5, 5, 2], "target": 0})");
  for (const char* answer : {
           "5 / (5 - 5) * 0",          // division by zero (and a reused 5)
           "2 / (5 - 5) + 5",          // division by zero
           "(5 - 5) * 2)",             // unbalanced
           "((5 - 5) * 2",             // unbalanced
           "5 - 5 * 2 = 0",            // an equation, not an expression
           "-5 + 5 * 2",               // unary minus is not one of the operations
           "5 - 5 ** 2",               // not an operator
           "5 - 5 x 2",                // not an operator
           "(5 - 5) * 2.0",            // decimals are not given numbers
           "The answer is (5 - 5) * 2",
           "",
       }) {
    EXPECT_FALSE(task->check(p, answer).correct) << answer;
  }
  EXPECT_TRUE(task->check(p, "(5 - 5) * 2").correct);
  EXPECT_EQ(task->check(p, "2 / (5 - 5) + 5").reason, "not a valid expression: division by zero");
}

TEST(RlCountdown, HugeIntermediateValuesAreOverflowNotAMatch) {
  const std::unique_ptr<Task> task = make_task("countdown");
  const Problem p = countdown_problem(
      *task,
      R"({"nums": [1000000, 1000000, 1000000, 1000000, 1000000, 1000000, 1000000], "target": 1})");
  const AnswerCheck c = task->check(
      p, "1000000 * 1000000 * 1000000 * 1000000 / 1000000 / 1000000 / 1000000");
  EXPECT_FALSE(c.correct);
  EXPECT_EQ(c.reason, "not a valid expression: overflow");
}

TEST(RlCountdown, LoaderChecksAGivenSolution) {
  const std::unique_ptr<Task> task = make_task("countdown");
  const Problem p =
      countdown_problem(*task, R"({"nums": [2, 3], "target": 6, "solution": "2 * 3"})");
  EXPECT_EQ(p.answer, "2 * 3");
  try {
    countdown_problem(*task, R"({"nums": [2, 3], "target": 6, "solution": "2 + 3"})");
    ADD_FAILURE() << "no error";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "test:1: field \"solution\" is not a solution: evaluates to 5, not 6");
  }
}

TEST(RlCountdown, KeyIgnoresTheOrderOfTheNumbers) {
  const std::unique_ptr<Task> task = make_task("countdown");
  EXPECT_EQ(task->key(countdown_problem(*task, R"({"nums": [3, 1, 2], "target": 6})")),
            task->key(countdown_problem(*task, R"({"nums": [1, 2, 3], "target": 6})")));
  EXPECT_NE(task->key(countdown_problem(*task, R"({"nums": [3, 1, 2], "target": 6})")),
            task->key(countdown_problem(*task, R"({"nums": [1, 2, 3], "target": 5})")));
}

}  // namespace
}  // namespace r1::rl
