// Arithmetic, linear equations and GSM8K: generators follow their knobs, loaders reject bad
// records, and answers must be one number literal equal to the reference (no false positives
// from trailing text, expressions, huge numbers or near misses).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "core/error.h"
#include "rl/task.h"

namespace r1::rl {
namespace {

std::string load_error(const Task& task, const std::string& record) {
  try {
    task.from_json(Json::parse(record), "data.jsonl:4");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RlArithmetic, GeneratorFollowsDigitsAndOperands) {
  const std::unique_ptr<Task> task =
      make_task("arithmetic", {{"digits", 4}, {"operands", 3}, {"multiply", 0}});
  for (uint64_t seed = 0; seed < 100; ++seed) {
    const Problem p = task->generate(seed);
    const std::string e = p.data["expression"].get<std::string>();
    EXPECT_EQ(p.question, "What is " + e + "?");
    EXPECT_EQ(e.size(), 4u * 3 + 3 * 2) << e;  // three 4-digit numbers, two " op "
    EXPECT_EQ(e.find('*'), std::string::npos) << e;
    EXPECT_TRUE(task->check(p, p.answer).correct);
  }
}

TEST(RlVariables, GeneratorFollowsKnobsAndKeepsTotalsNonNegative) {
  const std::unique_ptr<Task> task =
      make_task("variables", {{"variables", 5}, {"max_value", 12}});
  std::set<std::string> ops_seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const Problem p = task->generate(seed);
    const auto values = p.data["values"].get<std::vector<int64_t>>();
    const std::string ops = p.data["ops"].get<std::string>();
    ASSERT_EQ(values.size(), 5u);
    ASSERT_EQ(ops.size(), 4u);
    int64_t total = values[0];
    for (size_t i = 0; i < ops.size(); ++i) {
      EXPECT_LE(values[i + 1], 12);
      total += ops[i] == '+' ? values[i + 1] : -values[i + 1];
      EXPECT_GE(total, 0) << p.question;
      ops_seen.insert(std::string(1, ops[i]));
    }
    EXPECT_EQ(p.answer, std::to_string(total));
    EXPECT_TRUE(task->check(p, p.answer).correct);
    EXPECT_EQ(task->from_json(task->to_json(p), "x:1").question, p.question);
  }
  EXPECT_EQ(ops_seen, (std::set<std::string>{"+", "-"}));
  const std::unique_ptr<Task> plus = make_task("variables", {{"subtract", 0}});
  for (uint64_t seed = 0; seed < 50; ++seed)
    EXPECT_EQ(plus->generate(seed).data["ops"].get<std::string>(), "+++");
}

TEST(RlVariables, LoaderNamesTheBadField) {
  const std::unique_ptr<Task> task = make_task("variables");
  EXPECT_EQ(load_error(*task, R"({"values": [1, 2], "ops": "-", "answer": -1})"), "(no error)");
  EXPECT_EQ(load_error(*task, R"({"values": [1], "ops": ""})"),
            "data.jsonl:4: field \"values\": expected 2 to 8 values, got 1");
  EXPECT_EQ(load_error(*task, R"({"values": [1, 2], "ops": "*"})"),
            "data.jsonl:4: field \"ops\": expected 1 characters, each + or -, got \"*\"");
  EXPECT_EQ(load_error(*task, R"({"values": [1, 2], "ops": "+", "answer": 4})"),
            "data.jsonl:4: field \"answer\": expected 3 (the value of the sum), got 4");
  EXPECT_NE(load_error(*task, R"({"values": [1, "x"], "ops": "+"})").find("values[1]"),
            std::string::npos);
  const Problem p = task->from_json(Json::parse(R"({"values": [9, 4], "ops": "-"})"), "x:1");
  EXPECT_TRUE(task->check(p, "5").correct);
  for (const char* bad : {"6", "5 apples", "a - b", "", "9 - 4"})
    EXPECT_FALSE(task->check(p, bad).correct) << bad;
}

TEST(RlArithmetic, WideProductsStayInRange) {
  const std::unique_ptr<Task> task = make_task("arithmetic", {{"digits", 9}, {"operands", 6}});
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const Problem p = task->generate(seed);
    EXPECT_TRUE(task->check(p, p.answer).correct) << p.question;
  }
}

TEST(RlArithmetic, OnlyABareEqualNumberIsCorrect) {
  const std::unique_ptr<Task> task = make_task("arithmetic");
  const Problem p = task->from_json(Json::parse(R"({"expression": "1234 * 5 - 7"})"), "x:1");
  EXPECT_EQ(p.answer, "6163");
  for (const char* ok : {"6163", "+6163", "6,163", "6163.0", "6163.000", "12326/2"})
    EXPECT_TRUE(task->check(p, ok).correct) << ok;
  for (const char* bad : {"6162", "6163 apples", "The answer is 6163", "1234 * 5 - 7", "6,16,3",
                          "6 163", "6163.", "6163.0001", "61630/10.0", "6163 or 6164", "",
                          "618446744073709551615", "99999999999999999999999"})
    EXPECT_FALSE(task->check(p, bad).correct) << bad;
  EXPECT_EQ(task->check(p, "6162").reason, "6162 is not 6163");
  EXPECT_EQ(task->check(p, "The answer is 6163").reason,
            "not a number literal: 'The answer is 6163'");
  const Problem z = task->from_json(Json::parse(R"({"expression": "5 - 5"})"), "x:1");
  EXPECT_TRUE(task->check(z, "-0").correct);
  EXPECT_TRUE(task->check(z, "0.0").correct);
}

TEST(RlArithmetic, LoaderValidatesExpressionAndAnswer) {
  const std::unique_ptr<Task> task = make_task("arithmetic");
  EXPECT_EQ(task->from_json(Json::parse(R"({"expression": "2 * 3", "answer": 6})"), "x")
                .answer, "6");
  EXPECT_EQ(task->from_json(Json::parse(R"({"expression": "7 / 2", "answer": "3.5"})"), "x")
                .answer, "7/2");
  EXPECT_EQ(load_error(*task, R"({"expression": "2 * 3", "answer": 7})"),
            "data.jsonl:4: field \"answer\": expected 6 (the value of the expression), got 7");
  EXPECT_EQ(load_error(*task, R"({"expression": "2 * (3"})"),
            "data.jsonl:4: field \"expression\" is not a valid expression: unbalanced "
            "parentheses: missing ')'");
  EXPECT_EQ(load_error(*task, R"({"expression": "1 / 0"})"),
            "data.jsonl:4: field \"expression\" is not a valid expression: division by zero");
  EXPECT_EQ(load_error(*task, R"({"question": "2 * 3"})"),
            "data.jsonl:4: missing field \"expression\"");
}

TEST(RlLinear, GeneratorHasIntegerSolutionsWithinTheKnobs) {
  const std::unique_ptr<Task> task =
      make_task("linear", {{"max_coef", 5}, {"max_solution", 4}, {"max_constant", 9}});
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const Problem p = task->generate(seed);
    const int64_t a = p.data["a"], b = p.data["b"], c = p.data["c"], d = p.data["d"];
    EXPECT_NE(a, c);
    EXPECT_LE(std::abs(a), 5);
    EXPECT_LE(std::abs(c), 5);
    EXPECT_LE(std::abs(b), 9);
    EXPECT_EQ((d - b) % (a - c), 0) << p.question;
    const int64_t x = (d - b) / (a - c);
    EXPECT_LE(std::abs(x), 4);
    EXPECT_EQ(p.answer, std::to_string(x));
    EXPECT_TRUE(task->check(p, "x = " + p.answer).correct);
  }
}

TEST(RlLinear, QuestionTextAndAnswers) {
  const std::unique_ptr<Task> task = make_task("linear");
  const Problem p = task->from_json(Json::parse(R"({"a": 3, "b": 5, "c": 1, "d": -7})"), "x");
  EXPECT_EQ(p.question, "Solve for x: 3x + 5 = x - 7");
  EXPECT_EQ(p.answer, "-6");
  for (const char* ok : {"x = -6", "x=-6", "x =-6", "-6", "-6.0", "-12/2"})
    EXPECT_TRUE(task->check(p, ok).correct) << ok;
  for (const char* bad : {"x = 6", "6", "y = -6", "x = -6 or x = 6", "x == -6", "-6 = x", "x -6",
                          "x = ", "X = -6", "", "x = -99999999999999999999999"})
    EXPECT_FALSE(task->check(p, bad).correct) << bad;
  const Problem q = task->from_json(Json::parse(R"({"a": -1, "b": 0, "c": 1, "d": 3})"), "x");
  EXPECT_EQ(q.question, "Solve for x: -x = x + 3");
  EXPECT_EQ(q.answer, "-3/2");
  EXPECT_TRUE(task->check(q, "x = -1.5").correct);
  EXPECT_FALSE(task->check(q, "x = -1").correct);
  const Problem r = task->from_json(Json::parse(R"({"a": 0, "b": 4, "c": 2, "d": 0})"), "x");
  EXPECT_EQ(r.question, "Solve for x: 4 = 2x");
  EXPECT_EQ(load_error(*task, R"({"a": 2, "b": 1, "c": 2, "d": 3})"),
            "data.jsonl:4: fields \"a\" and \"c\" are equal (2): the equation has no single "
            "solution");
  EXPECT_EQ(load_error(*task, R"({"a": 2, "b": 1, "c": 3})"), "data.jsonl:4: missing field \"d\"");
  EXPECT_EQ(load_error(*task, R"({"a": 3, "b": 5, "c": 1, "d": -7, "answer": "6"})"),
            "data.jsonl:4: field \"answer\": expected x = -6, got '6'");
  EXPECT_EQ(task->from_json(Json::parse(R"({"a": 3, "b": 5, "c": 1, "d": -7, "answer": "x = -6"})"),
                            "x").answer, "-6");
}

TEST(RlGsm8k, ReferenceIsTheNumberAfterTheMarks) {
  const std::unique_ptr<Task> task = make_task("gsm8k");
  const Problem p = task->from_json(
      Json::parse(R"({"question": "How many?", "answer": "2 * 3 = <<2*3=6>>6\n#### 1,250"})"),
      "x");
  EXPECT_EQ(p.question, "How many?");
  EXPECT_EQ(p.answer, "1250");
  for (const char* ok : {"1250", "1,250", "$1,250", "1250.00", "+1250"})
    EXPECT_TRUE(task->check(p, ok).correct) << ok;
  for (const char* bad : {"1251", "1250 cookies", "$ 1250", "1250$", "12,50", "The answer is 1250",
                          "#### 1250", "", "125000000000000000000000"})
    EXPECT_FALSE(task->check(p, bad).correct) << bad;
  EXPECT_EQ(load_error(*task, R"({"question": "q", "answer": "6"})"),
            "data.jsonl:4: field \"answer\" has no \"####\" before the final answer");
  EXPECT_EQ(load_error(*task, R"({"question": "q", "answer": "#### six"})"),
            "data.jsonl:4: field \"answer\": the text after #### is not a number: 'six'");
  EXPECT_EQ(load_error(*task, R"({"question": 5, "answer": "#### 6"})"),
            "data.jsonl:4: field \"question\": expected a string, got 5");
}

TEST(RlGsm8k, GeneratedStoriesAreSelfConsistent) {
  const std::unique_ptr<Task> task = make_task("gsm8k", {{"max_number", 50}});
  std::set<std::string> openings;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const Problem p = task->generate(seed);
    const std::string answer = p.data["answer"].get<std::string>();
    EXPECT_EQ(answer.substr(answer.rfind("#### ") + 5), p.answer);
    EXPECT_GE(std::stoll(p.answer), 0) << p.question;
    EXPECT_TRUE(task->check(p, p.answer).correct);
    openings.insert(p.question.substr(0, 6));
  }
  EXPECT_GE(openings.size(), 4u);
}

}  // namespace
}  // namespace r1::rl
