// Sums of named values ("Let a = 7, b = 2, c = 5. What is a - b + c?"): the variables are a, b,
// c, ... in order, each operator + or -, evaluated left to right. A worked solution looks every
// value up by its name and keeps a running total, so each step needs one lookup and one
// addition: the demo's task, small enough for a model pretrained here in minutes. Answers are
// bare number literals, as in arithmetic.
#include <string>
#include <vector>

#include "core/error.h"
#include "rl/problem_rng.h"
#include "rl/task_json.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

constexpr int kMaxAttempts = 1000;
constexpr int64_t kMaxVariables = 8;
constexpr int64_t kMaxValue = 1000000;

std::string variable_name(size_t i) { return std::string(1, char('a' + i)); }

// values[i] is variable i; ops[i] ('+' or '-') joins the total so far to values[i + 1].
struct Sum {
  std::vector<int64_t> values;
  std::string ops;
};

// The running totals: totals[i] is the value of the expression up to variable i.
std::vector<int64_t> running_totals(const Sum& s) {
  std::vector<int64_t> totals = {s.values[0]};
  for (size_t i = 0; i < s.ops.size(); ++i)
    totals.push_back(s.ops[i] == '+' ? totals.back() + s.values[i + 1]
                                     : totals.back() - s.values[i + 1]);
  return totals;
}

Sum sum_of(const Problem& p) {
  return {p.data["values"].get<std::vector<int64_t>>(), p.data["ops"].get<std::string>()};
}

class VariablesTask : public Task {
 public:
  explicit VariablesTask(const TaskOptions& options) : Task(options) {}

  std::string name() const override { return "variables"; }

  Problem generate(uint64_t seed) const override {
    ProblemRng rng(seed);
    const bool subtract = knob("subtract") != 0;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      Sum s;
      s.values.push_back(rng.uniform(0, knob("max_value")));
      for (int64_t i = 1; i < knob("variables"); ++i) {
        s.ops += subtract && rng.uniform(0, 1) ? '-' : '+';
        s.values.push_back(rng.uniform(0, knob("max_value")));
      }
      const std::vector<int64_t> totals = running_totals(s);
      bool ok = true;
      if (knob("nonnegative"))
        for (int64_t t : totals) ok = ok && t >= 0;
      if (ok) return make_problem(s);
    }
    throw UsageError("task variables: no problem with non-negative totals found in " +
                     std::to_string(kMaxAttempts) + " tries; set nonnegative=0");
  }

  Problem from_json(const Json& record, const std::string& where) const override {
    if (!record.contains("values") || !record["values"].is_array())
      throw FormatError(where + ": field \"values\": expected an array of integers");
    const Json& arr = record["values"];
    if (arr.size() < 2 || arr.size() > size_t(kMaxVariables))
      throw FormatError(where + ": field \"values\": expected 2 to " +
                        std::to_string(kMaxVariables) + " values, got " +
                        std::to_string(arr.size()));
    Sum s;
    for (size_t i = 0; i < arr.size(); ++i)
      s.values.push_back(
          json_int_value(arr[i], "values[" + std::to_string(i) + "]", where, 0, kMaxValue));
    s.ops = json_string_field(record, "ops", where);
    if (s.ops.size() != arr.size() - 1 || s.ops.find_first_not_of("+-") != std::string::npos)
      throw FormatError(where + ": field \"ops\": expected " + std::to_string(arr.size() - 1) +
                        " characters, each + or -, got " + json_preview(record["ops"]));
    Problem p = make_problem(s);
    if (record.contains("answer")) {
      const int64_t given = json_int_field(record, "answer", where, -kMaxValue * kMaxVariables,
                                           kMaxValue * kMaxVariables);
      if (std::to_string(given) != p.answer)
        throw FormatError(where + ": field \"answer\": expected " + p.answer +
                          " (the value of the sum), got " + std::to_string(given));
    }
    return p;
  }

  Json to_json(const Problem& p) const override {
    return {{"values", p.data["values"]}, {"ops", p.data["ops"]},
            {"answer", std::stoll(p.answer)}};
  }

  AnswerCheck check(const Problem& p, const std::string& answer) const override {
    return check_number_literal(p.answer, answer);
  }


  std::string key(const Problem& p) const override { return p.question; }

 private:
  static Problem make_problem(const Sum& s) {
    std::string lets, expression = variable_name(0);
    for (size_t i = 0; i < s.values.size(); ++i)
      lets += (i ? ", " : "") + variable_name(i) + " = " + std::to_string(s.values[i]);
    for (size_t i = 0; i < s.ops.size(); ++i)
      expression += std::string(" ") + s.ops[i] + " " + variable_name(i + 1);
    Problem p;
    p.question = "Let " + lets + ". What is " + expression + "?";
    p.answer = std::to_string(running_totals(s).back());
    p.data = {{"values", s.values}, {"ops", s.ops}};
    return p;
  }
};

}  // namespace

std::string variables_steps(const Problem& p) {
  const Sum s = sum_of(p);
  const std::vector<int64_t> totals = running_totals(s);
  std::string steps = variable_name(0) + " = " + std::to_string(s.values[0]);
  for (size_t i = 1; i < s.values.size(); ++i)
    steps += " , " + variable_name(i) + " = " + std::to_string(s.values[i]) + " , " +
             std::to_string(totals[i - 1]) + " " + s.ops[i - 1] + " " +
             std::to_string(s.values[i]) + " = " + std::to_string(totals[i]);
  return steps;
}

std::vector<KnobSpec> variables_knobs() {
  return {
      {"variables", 4, 2, kMaxVariables, "named values per problem (a, b, c, ...)"},
      {"max_value", 9, 1, kMaxValue, "values are drawn from [0, max_value]"},
      {"subtract", 1, 0, 1, "1: operators + and -; 0: + only"},
      {"nonnegative", 1, 0, 1, "1: every running total is >= 0"},
  };
}

std::unique_ptr<Task> make_variables_task(const TaskOptions& options) {
  return std::make_unique<VariablesTask>(options);
}

}  // namespace r1::rl
