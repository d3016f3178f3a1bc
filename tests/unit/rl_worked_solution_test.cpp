// Worked solutions end at the answer and follow the precedence rules; the corpus mixes worked
// solutions and guesses in the asked proportion, every document in the R1-Zero format and every
// worked one verified correct by the task's own reward.
#include "rl/worked_solution.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "rl/prompt_template.h"
#include "rl/reward.h"

namespace r1::rl {
namespace {

Problem arithmetic(const Task& task, const std::string& expression) {
  return task.from_json({{"expression", expression}}, "test");
}

TEST(WorkedSolution, RewritesOneOperationPerStepMultiplicationsFirst) {
  const auto task = make_task("arithmetic");
  EXPECT_EQ(*worked_steps(*task, arithmetic(*task, "7 + 6 - 5")), "7 + 6 - 5 , 13 - 5 , 8");
  EXPECT_EQ(*worked_steps(*task, arithmetic(*task, "2 + 3 * 4 - 1")),
            "2 + 3 * 4 - 1 , 2 + 12 - 1 , 14 - 1 , 13");
  EXPECT_EQ(*worked_steps(*task, arithmetic(*task, "3 - 9")), "3 - 9 , -6");
  EXPECT_FALSE(worked_steps(*make_task("countdown"), make_task("countdown")->generate(1)));
}

TEST(WorkedSolution, VariablesLooksUpEachValueThenKeepsARunningTotal) {
  const auto task = make_task("variables");
  const Problem p = task->from_json({{"values", {7, 2, 5}}, {"ops", "-+"}}, "test");
  EXPECT_EQ(p.question, "Let a = 7, b = 2, c = 5. What is a - b + c?");
  EXPECT_EQ(p.answer, "10");
  EXPECT_EQ(*worked_steps(*task, p), "a = 7 , b = 2 , 7 - 2 = 5 , c = 5 , 5 + 5 = 10");
}

TEST(WorkedSolution, LastStepIsTheAnswerForGeneratedProblems) {
  const auto task = make_task("arithmetic", {{"digits", 2}, {"operands", 5}, {"multiply", 1}});
  for (const Problem& p : generate_problems(*task, 200, 3, Split::Train)) {
    const std::string steps = *worked_steps(*task, p);
    EXPECT_EQ(steps.substr(steps.rfind(" , ") + 3), p.answer) << p.question;
  }
  const auto variables = make_task("variables", {{"variables", 6}, {"max_value", 20}});
  for (const Problem& p : generate_problems(*variables, 200, 3, Split::Train)) {
    const std::string steps = *worked_steps(*variables, p);
    EXPECT_EQ(steps.substr(steps.rfind(" = ") + 3), p.answer) << p.question;
  }
}

class WorkedSolutionCorpus : public testing::TestWithParam<const char*> {};

TEST_P(WorkedSolutionCorpus, MixesVerifiedWorkedSolutionsAndGuesses) {
  const auto task = std::string(GetParam()) == "arithmetic"
                        ? make_task("arithmetic", {{"digits", 1}, {"operands", 4}, {"multiply", 0}})
                        : make_task(GetParam());
  const std::vector<Problem> problems = generate_problems(*task, 2000, 5, Split::Train);
  CorpusOptions o;
  o.careful_fraction = 0.3;
  o.seed = 9;
  const std::vector<CorpusDocument> docs = r1_zero_corpus(*task, problems, o);
  ASSERT_EQ(docs.size(), problems.size());
  int64_t worked = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::string prompt = r1_zero_prompt(problems[i].question);
    ASSERT_EQ(docs[i].text().compare(0, prompt.size(), prompt), 0);
    const std::string completion = docs[i].text().substr(prompt.size());
    const RewardBreakdown r =
        compute_reward(*task, problems[i], completion, 10, TemplateKind::R1Zero, false, {});
    EXPECT_EQ(r.format, 1.0) << completion;
    if (completion.rfind(" <think> quick guess </think> <answer> ", 0) != 0) {
      ++worked;
      EXPECT_EQ(r.accuracy, 1.0) << completion;
    }
  }
  EXPECT_NEAR(double(worked) / 2000.0, 0.3, 0.04);
  EXPECT_EQ(r1_zero_corpus(*task, problems, o), docs);  // seeded
  o.careful_fraction = 1.5;
  EXPECT_THROW(r1_zero_corpus(*task, problems, o), UsageError);
  o.careful_fraction = 0.5;
  EXPECT_THROW(r1_zero_corpus(*make_task("linear"), {make_task("linear")->generate(1)}, o),
               UsageError);
}

INSTANTIATE_TEST_SUITE_P(Tasks, WorkedSolutionCorpus, testing::Values("arithmetic", "variables"));

}  // namespace
}  // namespace r1::rl
