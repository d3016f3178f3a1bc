// Random completions stitched from the tokens the parsers care about (tags, braces, digits,
// operators, LaTeX): nothing throws or crashes, and the parsers' invariants hold, e.g. a
// hacking-shaped completion never carries an answer.
#include <gtest/gtest.h>

#include <random>

#include "rl/answer_format.h"
#include "rl/expression.h"
#include "rl/math_answer.h"
#include "rl/task.h"

namespace r1::rl {
namespace {

std::string random_text(std::mt19937& rng) {
  static const char* const kPieces[] = {
      "<think>", "</think>", "<answer>", "</answer>", "\\boxed{", "{", "}", "(", ")", "1", "2",
      "3", "13", "0", "99999999999999999999", "+", "-", "*", "/", " ", "\n", "$", "\\frac",
      "\\dfrac", ".", ",", "x", "=", "####", "\\text{", "\\left", "<", ">", "\xff"};
  constexpr size_t kCount = sizeof kPieces / sizeof kPieces[0];
  std::string s;
  const size_t n = rng() % 24;
  for (size_t i = 0; i < n; ++i) s += kPieces[rng() % kCount];
  return s;
}

TEST(RlHostileInput, ParsersKeepTheirInvariantsOnRandomText) {
  std::mt19937 rng(1234);
  std::vector<std::unique_ptr<Task>> tasks;
  std::vector<Problem> problems;
  for (const TaskInfo& info : task_infos()) {
    tasks.push_back(make_task(info.name));
    problems.push_back(tasks.back()->generate(1));
  }
  for (int iter = 0; iter < 20000; ++iter) {
    const std::string text = random_text(rng);
    for (TemplateKind kind : {TemplateKind::R1Zero, TemplateKind::R1}) {
      for (bool opens : {false, true}) {
        const ParsedCompletion p = parse_completion(text, kind, opens);
        ASSERT_EQ(p.format_ok, p.has_answer && p.issue == FormatIssue::None) << text;
        ASSERT_EQ(p.reason.empty(), p.issue == FormatIssue::None) << text;
        if (is_hacking_issue(p.issue)) {
          ASSERT_FALSE(p.has_answer) << text;
        }
        if (p.has_answer) {
          ASSERT_FALSE(p.answer.empty()) << text;
          ASSERT_NE(p.answer.front(), ' ') << text;
          ASSERT_NE(p.answer.back(), '\n') << text;
        }
      }
    }
    const ExpressionValue e = evaluate_expression(text);
    ASSERT_EQ(e.value.has_value(), e.error.empty()) << text;
    const std::string other = random_text(rng);
    ASSERT_EQ(math_answers_equal(text, other), math_answers_equal(other, text)) << text;
    if (!normalize_math_answer(text).empty()) {
      ASSERT_TRUE(math_answers_equal(text, text)) << text;
    }
    for (size_t t = 0; t < tasks.size(); ++t) {
      const AnswerCheck c = tasks[t]->check(problems[t], text);
      ASSERT_EQ(c.reason.empty(), c.correct) << tasks[t]->name() << ": " << text;
    }
  }
}

}  // namespace
}  // namespace r1::rl
