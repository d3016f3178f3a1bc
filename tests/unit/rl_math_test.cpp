// MATH-style answers: LaTeX normalisation, exact comparison of integers, decimals and fractions
// (\frac, \dfrac, a/b, negative, $...$), string comparison for the rest, and the task's loader.
#include <gtest/gtest.h>

#include "core/error.h"
#include "rl/math_answer.h"
#include "rl/task.h"

namespace r1::rl {
namespace {

TEST(RlMathAnswer, Normalisation) {
  EXPECT_EQ(normalize_math_answer("  $\\dfrac{1}{2}$ "), "\\frac{1}{2}");
  EXPECT_EQ(normalize_math_answer("\\boxed{ 5 }"), "5");
  EXPECT_EQ(normalize_math_answer("$$\\left( 1, 2 \\right)$$"), "(1,2)");
  EXPECT_EQ(normalize_math_answer("\\( x^2 + 1 \\)"), "x^2+1");
  EXPECT_EQ(normalize_math_answer("90^\\circ"), "90");
  EXPECT_EQ(normalize_math_answer("90^{\\circ}"), "90");
  EXPECT_EQ(normalize_math_answer("\\text{(B)}"), "(B)");
  EXPECT_EQ(normalize_math_answer("5 \\text{ cm}"), "5cm");
  EXPECT_EQ(normalize_math_answer("3."), "3");
  EXPECT_EQ(normalize_math_answer("1\\,000"), "1000");
  EXPECT_EQ(normalize_math_answer("\\tfrac12"), "\\frac12");
}

TEST(RlMathAnswer, NumericValues) {
  const auto value = [](const char* s) { return math_answer_value(normalize_math_answer(s)); };
  EXPECT_EQ(*value("\\frac{1}{2}"), *Rational::make(1, 2));
  EXPECT_EQ(*value("\\frac12"), *Rational::make(1, 2));
  EXPECT_EQ(*value("-\\dfrac{3}{6}"), *Rational::make(-1, 2));
  EXPECT_EQ(*value("\\frac{-3}{4}"), *Rational::make(-3, 4));
  EXPECT_EQ(*value("\\frac{1.5}{3}"), *Rational::make(1, 2));
  EXPECT_EQ(*value("$-0.5$"), *Rational::make(-1, 2));
  EXPECT_EQ(*value("2/4"), *Rational::make(1, 2));
  EXPECT_FALSE(value("\\frac{1}{0}"));
  EXPECT_FALSE(value("\\frac{1}{2}x"));
  EXPECT_FALSE(value("\\frac{1}"));
  EXPECT_FALSE(value("\\frac{\\sqrt{3}}{2}"));
  EXPECT_FALSE(value("\\pi"));
}

TEST(RlMathAnswer, EqualAnswers) {
  const std::pair<const char*, const char*> same[] = {
      {"\\frac{1}{2}", "0.5"},        {"\\dfrac{1}{2}", "1/2"},   {"$\\frac{2}{4}$", "\\frac12"},
      {"3", "3.0"},                   {"3", "+3"},                {"0", "-0"},
      {"-\\frac{1}{2}", "\\frac{-1}{2}"}, {"10", " 10 "},         {"1,000", "1000"},
      {"\\frac{\\sqrt{3}}{2}", "\\dfrac{\\sqrt{3}}{2}"},        {"(1, 2)", "\\left(1,2\\right)"},
      {"\\boxed{7}", "7"},            {"x^2+1", "x^2 + 1"},
  };
  for (const auto& [a, b] : same) EXPECT_TRUE(math_answers_equal(a, b)) << a << " vs " << b;
  const std::pair<const char*, const char*> different[] = {
      {"\\frac{1}{3}", "0.333"},      {"\\frac{1}{3}", "0.3333333333"}, {"3", "-3"},
      {"\\frac{1}{2}", "\\frac{1}{3}"}, {"99999999999999999999999", "99999999999999999999998"},
      {"99999999999999999999999", "1"}, {"18446744073709551617", "1"},
      {"1", "\\frac{1}{2} + \\frac{1}{2}"}, {"", ""}, {"5", ""}, {"(1,2)", "(2,1)"},
      {"\\sqrt{2}", "1.414"},
  };
  for (const auto& [a, b] : different) EXPECT_FALSE(math_answers_equal(a, b)) << a << " vs " << b;
  // Identical huge literals are the same answer even though they have no int64 value.
  EXPECT_TRUE(math_answers_equal("99999999999999999999999", "99999999999999999999999"));
}

TEST(RlMathAnswer, LatexNumber) {
  EXPECT_EQ(latex_number(Rational(-4)), "-4");
  EXPECT_EQ(latex_number(*Rational::make(-3, 4)), "-\\frac{3}{4}");
  EXPECT_EQ(latex_number(*Rational::make(5, 2)), "\\frac{5}{2}");
}

TEST(RlMath, LoaderReadsAnswerOrBoxedSolution) {
  const std::unique_ptr<Task> task = make_task("math");
  const Problem p = task->from_json(
      Json::parse(R"({"problem": "Half of 1?", "solution": "It is \\boxed{\\frac{1}{2}}."})"), "x");
  EXPECT_EQ(p.question, "Half of 1?");
  EXPECT_EQ(p.answer, "\\frac{1}{2}");
  EXPECT_TRUE(task->check(p, "0.5").correct);
  EXPECT_FALSE(task->check(p, "0.51").correct);
  EXPECT_EQ(task->check(p, "0.51").reason, "'0.51' is not '\\frac{1}{2}'");
  const Problem q = task->from_json(Json::parse(R"({"question": "2+2?", "answer": 4})"), "x");
  EXPECT_EQ(q.answer, "4");
  const auto error = [&](const char* record) {
    try {
      task->from_json(Json::parse(record), "m.jsonl:2");
    } catch (const FormatError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error(R"({"answer": "4"})"), "m.jsonl:2: missing field \"problem\" (or \"question\")");
  EXPECT_EQ(error(R"({"problem": "p"})"),
            "m.jsonl:2: missing field \"answer\" (or a \"solution\" with \\boxed{})");
  EXPECT_EQ(error(R"({"problem": "p", "solution": "no box"})"),
            "m.jsonl:2: field \"solution\" has no \\boxed{...} answer");
  EXPECT_EQ(error(R"({"problem": "p", "answer": " $ $ "})"), "m.jsonl:2: the reference answer is empty");
  EXPECT_EQ(error(R"({"problem": "p", "answer": [4]})"),
            "m.jsonl:2: field \"answer\": expected a string or an integer, got [4]");
}

TEST(RlMath, GeneratedFractionProblems) {
  const std::unique_ptr<Task> task = make_task("math", {{"max_denominator", 6}});
  for (uint64_t seed = 0; seed < 100; ++seed) {
    const Problem p = task->generate(seed);
    EXPECT_EQ(p.question.rfind("Compute $\\frac{", 0), 0u) << p.question;
    EXPECT_TRUE(task->check(p, p.answer).correct);
    EXPECT_TRUE(task->check(p, "$" + p.answer + "$").correct);
  }
  const Problem p = task->from_json(
      Json::parse(R"({"problem": "Compute $\\frac{1}{3} + \\frac{1}{6}$.", "answer": "\\frac{1}{2}"})"),
      "x");
  EXPECT_TRUE(task->check(p, "\\dfrac{1}{2}").correct);
  EXPECT_TRUE(task->check(p, "1/2").correct);
  EXPECT_FALSE(task->check(p, "\\frac{1}{3} + \\frac{1}{6}").correct);
}

}  // namespace
}  // namespace r1::rl
