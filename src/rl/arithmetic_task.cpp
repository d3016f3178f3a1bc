// Multi-digit integer arithmetic ("What is 482 + 37 * 910?"). The answer must be a bare number
// literal ("17,152" and "17152.0" are fine; "The answer is 17152" or an expression is wrong), so
// that a policy cannot pass by restating the question.
#include <limits>

#include "core/error.h"
#include "rl/expression.h"
#include "rl/problem_rng.h"
#include "rl/task_json.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

constexpr int kMaxAttempts = 1000;
constexpr int64_t kMaxAnswer = std::numeric_limits<int64_t>::max();

class ArithmeticTask : public Task {
 public:
  explicit ArithmeticTask(const TaskOptions& options) : Task(options) {}

  std::string name() const override { return "arithmetic"; }

  Problem generate(uint64_t seed) const override {
    ProblemRng rng(seed);
    const int64_t digits = knob("digits");
    int64_t lo = 1;
    for (int64_t i = 1; i < digits; ++i) lo *= 10;
    const int64_t hi = lo * 10 - 1;
    if (digits == 1) lo = 0;
    static constexpr char kOps[] = {'+', '-', '*'};
    const int64_t n_ops = knob("multiply") ? 3 : 2;
    // Redraw until the value fits int64 (many wide products can overflow).
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      std::string expression = std::to_string(rng.uniform(lo, hi));
      for (int64_t i = 1; i < knob("operands"); ++i) {
        expression += std::string(" ") + kOps[rng.uniform(0, n_ops - 1)] + " ";
        expression += std::to_string(rng.uniform(lo, hi));
      }
      const ExpressionValue e = evaluate_expression(expression);
      if (e.value) return make_problem(expression, *e.value);
    }
    throw UsageError("task arithmetic: every drawn expression overflowed; lower digits/operands");
  }

  Problem from_json(const Json& record, const std::string& where) const override {
    const std::string expression = json_string_field(record, "expression", where);
    const ExpressionValue e = evaluate_expression(expression);
    if (!e.value)
      throw FormatError(where + ": field \"expression\" is not a valid expression: " + e.error);
    if (record.contains("answer")) {
      const Json& a = record["answer"];
      std::optional<Rational> given;
      if (a.is_string()) given = parse_number(a.get<std::string>());
      if (a.is_number_integer())
        given = Rational(json_int_value(a, "answer", where, -kMaxAnswer, kMaxAnswer));
      if (!given || *given != *e.value)
        throw FormatError(where + ": field \"answer\": expected " + e.value->to_string() +
                          " (the value of the expression), got " + json_preview(a));
    }
    return make_problem(expression, *e.value);
  }

  Json to_json(const Problem& p) const override {
    return {{"expression", p.data["expression"]}, {"answer", p.answer}};
  }

  AnswerCheck check(const Problem& p, const std::string& answer) const override {
    return check_number_literal(p.answer, answer);
  }


  std::string key(const Problem& p) const override {
    std::string k;
    for (char c : p.data["expression"].get<std::string>())
      if (c != ' ') k += c;
    return k;
  }

 private:
  static Problem make_problem(const std::string& expression, const Rational& value) {
    Problem p;
    p.question = "What is " + expression + "?";
    p.answer = value.to_string();
    p.data = {{"expression", expression}};
    return p;
  }
};

}  // namespace

std::vector<KnobSpec> arithmetic_knobs() {
  return {
      {"digits", 3, 1, 9, "digits per operand"},
      {"operands", 2, 2, 6, "numbers per expression"},
      {"multiply", 1, 0, 1, "1: operators + - *; 0: + - only"},
  };
}

std::unique_ptr<Task> make_arithmetic_task(const TaskOptions& options) {
  return std::make_unique<ArithmeticTask>(options);
}

}  // namespace r1::rl
