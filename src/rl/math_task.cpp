// MATH-style problems: {"problem", "answer"} (or {"problem", "solution"} with the answer in the
// solution's last \boxed{}), answers compared by math_answers_equal. Generated problems are
// fraction arithmetic with exact answers ("Compute $\frac{1}{3} + \frac{1}{6}$.").
#include "core/error.h"
#include "rl/answer_format.h"
#include "rl/math_answer.h"
#include "rl/problem_rng.h"
#include "rl/task_json.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

class MathTask : public Task {
 public:
  explicit MathTask(const TaskOptions& options) : Task(options) {}

  std::string name() const override { return "math"; }

  Problem generate(uint64_t seed) const override {
    ProblemRng rng(seed);
    const int64_t max_den = knob("max_denominator");
    const int64_t b = rng.uniform(2, max_den), d = rng.uniform(2, max_den);
    const Rational x = *Rational::make(rng.uniform(1, b - 1), b);
    const Rational y = *Rational::make(rng.uniform(1, d - 1), d);
    // Denominators are at most 1000, so none of these can overflow.
    std::optional<Rational> v;
    std::string op;
    const int64_t which = rng.uniform(0, 2);
    if (which == 0) {
      v = add(x, y);
      op = " + ";
    } else if (which == 1) {
      v = sub(x, y);
      op = " - ";
    } else {
      v = mul(x, y);
      op = " \\times ";
    }
    return make_problem("Compute $" + latex_number(x) + op + latex_number(y) +
                            "$. Express your answer as a fraction in lowest terms.",
                        latex_number(*v));
  }

  Problem from_json(const Json& record, const std::string& where) const override {
    const char* question_key = record.contains("problem") ? "problem" : "question";
    if (!record.contains(question_key))
      throw FormatError(where + ": missing field \"problem\" (or \"question\")");
    const std::string question = json_string_field(record, question_key, where);
    std::string answer;
    if (record.contains("answer")) {
      const Json& a = record["answer"];
      if (!a.is_string() && !a.is_number_integer())
        throw FormatError(where + ": field \"answer\": expected a string or an integer, got " +
                          json_preview(a));
      answer = a.is_string() ? a.get<std::string>() : a.dump();
    } else if (record.contains("solution")) {
      const std::optional<std::string> boxed =
          last_boxed(json_string_field(record, "solution", where));
      if (!boxed) throw FormatError(where + ": field \"solution\" has no \\boxed{...} answer");
      answer = *boxed;
    } else {
      throw FormatError(where + ": missing field \"answer\" (or a \"solution\" with \\boxed{})");
    }
    if (normalize_math_answer(answer).empty())
      throw FormatError(where + ": the reference answer is empty");
    return make_problem(question, answer);
  }

  Json to_json(const Problem& p) const override {
    return {{"problem", p.question}, {"answer", p.answer}};
  }

  AnswerCheck check(const Problem& p, const std::string& answer) const override {
    if (math_answers_equal(answer, p.answer)) return {true, ""};
    return {false, quote_untrusted(normalize_math_answer(answer)) + " is not " +
                       quote_untrusted(normalize_math_answer(p.answer))};
  }

 private:
  static Problem make_problem(const std::string& question, const std::string& answer) {
    Problem p;
    p.question = question;
    p.answer = answer;
    p.data = {{"problem", question}, {"answer", answer}};
    return p;
  }
};

}  // namespace

std::vector<KnobSpec> math_knobs() {
  return {{"max_denominator", 12, 2, 1000, "denominators of generated fractions in [2, max]"}};
}

std::unique_ptr<Task> make_math_task(const TaskOptions& options) {
  return std::make_unique<MathTask>(options);
}

}  // namespace r1::rl
