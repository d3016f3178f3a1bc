// Evaluation steps are exact and one operation each; the Countdown corpus writes checked,
// retried and unchecked documents in the asked shares, every check true and every answer the
// last attempt, as the self-check counter and the task's own reward read them.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "rl/expression.h"
#include "rl/prompt_template.h"
#include "rl/reward.h"
#include "rl/search_trace.h"
#include "rl/self_check.h"
#include "rl/worked_solution.h"

namespace r1::rl {
namespace {

TEST(SearchTrace, EvaluationStepsInnermostFirstProductsBeforeSums) {
  EXPECT_EQ(*evaluation_steps("(95 - 43) * 2 + 21"),
            "(95 - 43) * 2 + 21 = 52 * 2 + 21 = 104 + 21 = 125");
  EXPECT_EQ(*evaluation_steps("100 - (3 * (20 - 8))"),
            "100 - (3 * (20 - 8)) = 100 - (3 * 12) = 100 - 36 = 64");
  EXPECT_EQ(*evaluation_steps("7 * 3 / 21"), "7 * 3 / 21 = 21 / 21 = 1");
  EXPECT_EQ(*evaluation_steps("10 - 4 - 3"), "10 - 4 - 3 = 6 - 3 = 3");
  EXPECT_FALSE(evaluation_steps("7 / 2 + 1"));  // not an integer step
  EXPECT_FALSE(evaluation_steps("2 - 5 + 9"));  // a negative step
  EXPECT_FALSE(evaluation_steps("7 +"));
  EXPECT_FALSE(evaluation_steps("(5) + 4"));
}

TEST(SearchTrace, EveryStepOfEverySolutionHasTheTargetsValue) {
  for (const int64_t numbers : {3, 4, 6}) {
    const auto task = make_task("countdown", {{"min_numbers", numbers}, {"max_numbers", numbers}});
    for (const Problem& p : generate_problems(*task, 300, 11, Split::Train)) {
      const std::optional<std::string> steps = evaluation_steps(p.answer);
      ASSERT_TRUE(steps) << p.answer;
      const Rational target(p.data["target"].get<int64_t>());
      size_t begin = 0;
      for (size_t end = 0; end != std::string::npos; begin = end + 3) {
        end = steps->find(" = ", begin);
        EXPECT_EQ(*evaluate_expression(steps->substr(begin, end - begin)).value, target) << *steps;
      }
    }
  }
}

struct CorpusStats {
  int64_t checked = 0, first_check_failed = 0, retried = 0, attempts = 0;
};

CorpusStats check_corpus(const Task& task, const std::vector<Problem>& problems,
                         const CorpusOptions& o) {
  const std::vector<CorpusDocument> docs = r1_zero_corpus(task, problems, o);
  EXPECT_EQ(docs.size(), problems.size());
  CorpusStats s;
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::string prompt = r1_zero_prompt(problems[i].question);
    EXPECT_EQ(docs[i].text().compare(0, prompt.size(), prompt), 0);
    const std::string completion = docs[i].text().substr(prompt.size());
    const RewardBreakdown r =
        compute_reward(task, problems[i], completion, 10, TemplateKind::R1Zero, false, {});
    EXPECT_EQ(r.format, 1.0) << completion;
    const SelfChecks c = count_self_checks(completion);
    const SelfChecks against_target =
        count_self_checks(completion, Rational(problems[i].data["target"].get<int64_t>()));
    EXPECT_EQ(against_target.false_checks + against_target.off_goal_checks, 0) << completion;
    EXPECT_GE(c.attempts, 1);
    EXPECT_LE(c.attempts, o.search.max_attempts);
    EXPECT_EQ(c.false_checks, 0) << completion;
    EXPECT_EQ(c.retries, c.checks > 0 ? c.attempts - 1 : 0) << completion;
    if (c.checks > 0) {  // the last verdict is the answer's
      EXPECT_EQ(c.checks, c.attempts);
      EXPECT_EQ(r.accuracy == 1.0, c.failed_checks < c.checks) << completion;
      EXPECT_LE(c.checks - c.failed_checks, 1);
    }
    const std::string answer = completion.substr(completion.find("<answer> ") + 9);
    const std::string last_attempt = completion.substr(0, completion.find(" </think>"));
    EXPECT_NE(last_attempt.find(answer.substr(0, answer.find(" </answer>"))), std::string::npos);
    std::vector<std::string> failed_values;  // a retry never repeats a failed attempt's value
    for (size_t at = completion.find(" != "); at != std::string::npos;
         at = completion.find(" != ", at + 4)) {
      const std::string value = completion.substr(at + 4, completion.find(' ', at + 4) - at - 4);
      EXPECT_EQ(std::count(failed_values.begin(), failed_values.end(), value), 0) << completion;
      failed_values.push_back(value);
    }
    s.checked += c.checks > 0;
    s.first_check_failed += c.failed_checks > 0;
    s.retried += c.retries > 0;
    s.attempts += c.attempts;
  }
  EXPECT_EQ(r1_zero_corpus(task, problems, o), docs);  // seeded
  return s;
}

TEST(SearchTrace, CorpusWritesTheAskedSharesOfChecksAndRetries) {
  const auto task = make_task("countdown");
  const std::vector<Problem> problems = generate_problems(*task, 1500, 5, Split::Train);
  CorpusOptions o;
  o.seed = 3;
  o.search.check_fraction = 0.2;
  o.search.retry_fraction = 0.5;
  o.search.solved_fraction = 0.4;
  const CorpusStats s = check_corpus(*task, problems, o);
  EXPECT_NEAR(double(s.checked) / 1500, 0.2, 0.03);
  // A failed first check is followed by a retry when the retry is drawn (0.5).
  EXPECT_NEAR(double(s.retried) / double(s.first_check_failed), 0.5, 0.1);
  EXPECT_GT(s.first_check_failed, s.checked / 2);  // most attempts are near misses (0.6)

  o.search.check_fraction = 0.0;
  const CorpusStats unchecked = check_corpus(*task, problems, o);
  EXPECT_EQ(unchecked.checked, 0);
  EXPECT_EQ(unchecked.attempts, 1500);

  o.search = {1.0, 1.0, 0.0, 3};  // every document checks and fails three times
  const CorpusStats failing = check_corpus(*task, problems, o);
  EXPECT_EQ(failing.checked, 1500);
  EXPECT_GE(failing.attempts, 3 * 1500 - 15);  // a problem with no miss in reach retries less
  o.search.retry_fraction = 1.5;
  EXPECT_THROW(r1_zero_corpus(*task, problems, o), UsageError);
  o.search.retry_fraction = 1.0;
  for (const int64_t bad_attempts : {0, -1, 65}) {
    o.search.max_attempts = bad_attempts;
    EXPECT_THROW(r1_zero_corpus(*task, problems, o), UsageError);
  }
}

// Arithmetic documents follow their problem's trace in the asked share; each is a few exact
// evaluations of combinations of exactly that problem's numbers, each ending in a true
// comparison of its value (equal about half the time), with no R1-Zero prompt or tags.
TEST(SearchTrace, ArithmeticDocumentsEvaluateTheProblemsNumbersExactly) {
  const auto task = make_task("countdown");
  const std::vector<Problem> problems = generate_problems(*task, 1000, 5, Split::Train);
  CorpusOptions o;
  o.seed = 3;
  o.search.arithmetic_fraction = 0.5;
  const std::vector<CorpusDocument> docs = r1_zero_corpus(*task, problems, o);
  size_t problem = 0, arithmetic = 0, comparisons = 0, equal = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (!docs[i].prompt.empty()) {
      ASSERT_EQ(docs[i].prompt,
                r1_zero_prompt(problems[problem++].question).substr(0, docs[i].prompt.size()));
      continue;
    }
    ++arithmetic;
    ASSERT_GT(i, 0u);
    const std::vector<int64_t> nums =
        problems[problem - 1].data["nums"].get<std::vector<int64_t>>();
    EXPECT_EQ(docs[i].completion.find("think"), std::string::npos);
    int chains = 0;
    size_t begin = 0;
    for (size_t end = 0; end != std::string::npos; begin = end + 3, ++chains) {
      end = docs[i].completion.find(" . ", begin);
      const std::string clause = docs[i].completion.substr(begin, end - begin);
      const size_t comma = clause.find(" , ");
      ASSERT_NE(comma, std::string::npos) << clause;
      const std::string chain = clause.substr(0, comma);
      const std::string first = chain.substr(0, chain.find(" = "));
      const std::string value = chain.substr(chain.rfind(' ') + 1);
      const std::string x = clause.substr(comma + 3, clause.find(' ', comma + 3) - comma - 3);
      const std::string verdict = x == value ? " == " : " != ";
      EXPECT_EQ(clause.substr(comma), " , " + x + verdict + value) << clause;
      ++comparisons;
      equal += x == value;
      const ExpressionValue e = evaluate_expression(first);
      ASSERT_TRUE(e.value) << chain;
      std::vector<int64_t> used = e.numbers, given = nums;
      std::sort(used.begin(), used.end());
      std::sort(given.begin(), given.end());
      EXPECT_EQ(used, given) << chain;
      EXPECT_EQ(*evaluation_steps(first), chain);
    }
    EXPECT_GE(chains, 1);
    EXPECT_LE(chains, 4);
  }
  EXPECT_EQ(problem, problems.size());
  EXPECT_NEAR(double(arithmetic) / 1000, 0.5, 0.05);
  EXPECT_NEAR(double(equal) / double(comparisons), 0.5, 0.05);
  o.search.arithmetic_fraction = -0.1;
  EXPECT_THROW(r1_zero_corpus(*task, problems, o), UsageError);
}

}  // namespace
}  // namespace r1::rl
