// Linear equations a x + b = c x + d (a != c) with one exact solution. Accepted answers:
// "x = 3", "x=3", "3", and any equal number literal ("-3/2", "-1.5").
#include "core/error.h"
#include "rl/problem_rng.h"
#include "rl/rational.h"
#include "rl/task_json.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

constexpr int64_t kMaxField = 1000000000000;

// One side of the equation: "3x + 5", "-x - 2", "x", "7", "0".
std::string side(int64_t coef, int64_t constant) {
  std::string s;
  if (coef != 0) s = coef == 1 ? "x" : coef == -1 ? "-x" : std::to_string(coef) + "x";
  if (constant == 0) return s.empty() ? "0" : s;
  if (s.empty()) return std::to_string(constant);
  s += constant > 0 ? " + " : " - ";
  return s + std::to_string(constant < 0 ? -constant : constant);
}

// The number after an optional "x =" prefix.
std::optional<Rational> parse_solution(std::string_view s) {
  if (!s.empty() && s[0] == 'x') {
    s.remove_prefix(1);
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    if (s.empty() || s[0] != '=') return std::nullopt;
    s.remove_prefix(1);
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  }
  return parse_number(s);
}

class LinearTask : public Task {
 public:
  explicit LinearTask(const TaskOptions& options) : Task(options) {}

  std::string name() const override { return "linear"; }

  Problem generate(uint64_t seed) const override {
    ProblemRng rng(seed);
    const int64_t m = knob("max_coef");
    const int64_t x = rng.uniform(-knob("max_solution"), knob("max_solution"));
    const int64_t a = rng.uniform(-m, m);
    int64_t c = rng.uniform(-m, m - 1);
    if (c >= a) ++c;  // uniform over [-m, m] without a, so that a != c
    const int64_t b = rng.uniform(-knob("max_constant"), knob("max_constant"));
    return make_problem(a, b, c, (a - c) * x + b);
  }

  Problem from_json(const Json& record, const std::string& where) const override {
    const int64_t a = json_int_field(record, "a", where, -kMaxField, kMaxField);
    const int64_t b = json_int_field(record, "b", where, -kMaxField, kMaxField);
    const int64_t c = json_int_field(record, "c", where, -kMaxField, kMaxField);
    const int64_t d = json_int_field(record, "d", where, -kMaxField, kMaxField);
    if (a == c)
      throw FormatError(where + ": fields \"a\" and \"c\" are equal (" + std::to_string(a) +
                        "): the equation has no single solution");
    Problem p = make_problem(a, b, c, d);
    if (record.contains("answer")) {
      const std::string given = json_string_field(record, "answer", where);
      if (!check(p, given).correct)
        throw FormatError(where + ": field \"answer\": expected x = " + p.answer + ", got " +
                          quote_untrusted(given));
    }
    return p;
  }

  Json to_json(const Problem& p) const override {
    return {{"a", p.data["a"]}, {"b", p.data["b"]}, {"c", p.data["c"]},
            {"d", p.data["d"]}, {"answer", p.answer}};
  }

  AnswerCheck check(const Problem& p, const std::string& answer) const override {
    const std::optional<Rational> got = parse_solution(answer);
    if (!got) return {false, "not \"x = NUMBER\" or a number: " + quote_untrusted(answer)};
    if (*got != *parse_number(p.answer)) return {false, "x = " + got->to_string() + " is wrong"};
    return {true, ""};
  }

  std::string key(const Problem& p) const override {
    return p.data["a"].dump() + "," + p.data["b"].dump() + "," + p.data["c"].dump() + "," +
           p.data["d"].dump();
  }

 private:
  static Problem make_problem(int64_t a, int64_t b, int64_t c, int64_t d) {
    Problem p;
    p.question = "Solve for x: " + side(a, b) + " = " + side(c, d);
    // |d - b| and |a - c| are at most 2e12 (fields bounded by kMaxField), so this cannot fail.
    p.answer = Rational::make(__int128(d) - b, __int128(a) - c)->to_string();
    p.data = {{"a", a}, {"b", b}, {"c", c}, {"d", d}};
    return p;
  }
};

}  // namespace

std::vector<KnobSpec> linear_knobs() {
  return {
      {"max_coef", 9, 1, 1000, "coefficients a, c in [-max_coef, max_coef]"},
      {"max_solution", 10, 0, 1000000, "the solution x in [-max_solution, max_solution]"},
      {"max_constant", 20, 0, 1000000, "the constant b in [-max_constant, max_constant]"},
  };
}

std::unique_ptr<Task> make_linear_task(const TaskOptions& options) {
  return std::make_unique<LinearTask>(options);
}

}  // namespace r1::rl
