// Countdown (TinyZero's {"nums": [...], "target": N}): combine every given number exactly once
// with + - * / and parentheses to reach the target. Verified by exact rational evaluation.
#include <algorithm>
#include <map>

#include "core/error.h"
#include "rl/expression.h"
#include "rl/problem_rng.h"
#include "rl/task_json.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

constexpr int kMaxAttempts = 10000;

// A partial expression while building a random solution: its value, its text and the
// precedence of its outermost operator (3 for a literal), which decides the parentheses.
struct Node {
  int64_t value;
  std::string text;
  int precedence;
};

std::string number_list(const std::vector<int64_t>& nums) {
  std::string s = "[";
  for (size_t i = 0; i < nums.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(nums[i]);
  }
  return s + "]";
}

// Combines a and b with op if the result stays a non-negative integer (what a person solving
// Countdown writes), with only the parentheses the precedence needs.
std::optional<Node> combine(const Node& a, const Node& b, char op) {
  const int prec = (op == '+' || op == '-') ? 1 : 2;
  std::optional<Rational> v;
  if (op == '+') v = add(Rational(a.value), Rational(b.value));
  if (op == '-') v = sub(Rational(a.value), Rational(b.value));
  if (op == '*') v = mul(Rational(a.value), Rational(b.value));
  if (op == '/' && b.value != 0) v = div(Rational(a.value), Rational(b.value));
  if (!v || !v->is_integer() || v->num() < 0) return std::nullopt;
  const bool left_parens = a.precedence < prec;
  const bool right_parens = b.precedence < prec || (b.precedence == prec && (op == '-' || op == '/'));
  std::string text = left_parens ? "(" + a.text + ")" : a.text;
  text += std::string(" ") + op + " ";
  text += right_parens ? "(" + b.text + ")" : b.text;
  return Node{v->num(), std::move(text), prec};
}

}  // namespace

// Folds the numbers into one random expression tree; nullopt if a step was not allowed.
std::optional<CountdownExpression> random_countdown_expression(const std::vector<int64_t>& nums,
                                                               ProblemRng& rng) {
  std::vector<Node> nodes;
  for (int64_t n : nums) nodes.push_back({n, std::to_string(n), 3});
  static constexpr char kOps[] = {'+', '-', '*', '/'};
  while (nodes.size() > 1) {
    const size_t i = size_t(rng.uniform(0, int64_t(nodes.size()) - 1));
    size_t j = size_t(rng.uniform(0, int64_t(nodes.size()) - 2));
    if (j >= i) ++j;
    const char op = kOps[rng.uniform(0, 3)];
    std::optional<Node> c = combine(nodes[i], nodes[j], op);
    if (!c) return std::nullopt;
    nodes[std::min(i, j)] = std::move(*c);
    nodes.erase(nodes.begin() + std::ptrdiff_t(std::max(i, j)));
  }
  return CountdownExpression{nodes[0].value, nodes[0].text};
}

namespace {

// Why the numbers an answer used differ from the given ones ("" if they are the same multiset).
std::string number_mismatch(const std::vector<int64_t>& given, const std::vector<int64_t>& used) {
  std::map<int64_t, int> balance;
  for (int64_t n : given) ++balance[n];
  for (int64_t n : used) --balance[n];
  for (const auto& [n, b] : balance) {
    if (b >= 0) continue;
    const bool is_given = std::count(given.begin(), given.end(), n) > 0;
    return is_given ? "uses " + std::to_string(n) + " more often than given"
                    : "uses " + std::to_string(n) + ", which is not given";
  }
  for (const auto& [n, b] : balance)
    if (b > 0) return "does not use " + std::to_string(n);
  return "";
}

class CountdownTask : public Task {
 public:
  explicit CountdownTask(const TaskOptions& options) : Task(options) {
    if (knob("min_numbers") > knob("max_numbers"))
      throw UsageError("task countdown: knob min_numbers=" + std::to_string(knob("min_numbers")) +
                       " is larger than max_numbers=" + std::to_string(knob("max_numbers")));
  }

  std::string name() const override { return "countdown"; }
  bool counts_self_checks() const override { return true; }
  std::optional<Rational> self_check_goal(const Problem& p) const override {
    return Rational(p.data["target"].get<int64_t>());
  }

  Problem generate(uint64_t seed) const override {
    ProblemRng rng(seed);
    const int64_t count = rng.uniform(knob("min_numbers"), knob("max_numbers"));
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      std::vector<int64_t> nums;
      for (int64_t i = 0; i < count; ++i) nums.push_back(rng.uniform(1, knob("max_number")));
      const std::optional<CountdownExpression> solution = random_countdown_expression(nums, rng);
      if (solution && solution->value >= 1 && solution->value <= knob("max_target"))
        return make_problem(nums, solution->value, solution->text);
    }
    throw UsageError("task countdown: no target in [1, max_target=" +
                     std::to_string(knob("max_target")) + "] found in " +
                     std::to_string(kMaxAttempts) + " tries; raise max_target");
  }

  Problem from_json(const Json& record, const std::string& where) const override {
    if (!record.contains("nums") || !record["nums"].is_array())
      throw FormatError(where + ": field \"nums\": expected an array of integers");
    const Json& arr = record["nums"];
    if (arr.size() < 2 || arr.size() > 12)
      throw FormatError(where + ": field \"nums\": expected 2 to 12 numbers, got " +
                        std::to_string(arr.size()));
    std::vector<int64_t> nums;
    for (size_t i = 0; i < arr.size(); ++i)
      nums.push_back(json_int_value(arr[i], "nums[" + std::to_string(i) + "]", where, 0, 1000000));
    const int64_t target = json_int_field(record, "target", where, -1000000000000, 1000000000000);
    std::string solution;
    if (record.contains("solution")) {
      solution = json_string_field(record, "solution", where);
      const AnswerCheck c = verify(nums, target, solution);
      if (!c.correct)
        throw FormatError(where + ": field \"solution\" is not a solution: " + c.reason);
    }
    return make_problem(nums, target, solution);
  }

  Json to_json(const Problem& p) const override {
    Json j = {{"nums", p.data["nums"]}, {"target", p.data["target"]}};
    if (!p.answer.empty()) j["solution"] = p.answer;
    return j;
  }

  AnswerCheck check(const Problem& p, const std::string& answer) const override {
    return verify(p.data["nums"].get<std::vector<int64_t>>(), p.data["target"].get<int64_t>(),
                  answer);
  }

  std::string key(const Problem& p) const override {
    std::vector<int64_t> nums = p.data["nums"].get<std::vector<int64_t>>();
    std::sort(nums.begin(), nums.end());
    return number_list(nums) + " -> " + std::to_string(p.data["target"].get<int64_t>());
  }

 private:
  static Problem make_problem(const std::vector<int64_t>& nums, int64_t target,
                              const std::string& solution) {
    Problem p;
    // TinyZero's wording, so that prompts match its datasets and results.
    p.question = "Using the numbers " + number_list(nums) + ", create an equation that equals " +
                 std::to_string(target) +
                 ". You can use basic arithmetic operations (+, -, *, /) and each number can "
                 "only be used once.";
    p.answer = solution;
    p.data = {{"nums", nums}, {"target", target}};
    return p;
  }

  static AnswerCheck verify(const std::vector<int64_t>& nums, int64_t target,
                            const std::string& answer) {
    const ExpressionValue e = evaluate_expression(answer);
    if (!e.value) return {false, "not a valid expression: " + e.error};
    const std::string mismatch = number_mismatch(nums, e.numbers);
    if (!mismatch.empty()) return {false, mismatch};
    if (*e.value != Rational(target))
      return {false, "evaluates to " + e.value->to_string() + ", not " + std::to_string(target)};
    return {true, ""};
  }
};

}  // namespace

std::vector<KnobSpec> countdown_knobs() {
  return {
      {"min_numbers", 3, 2, 6, "fewest numbers per problem"},
      {"max_numbers", 4, 2, 6, "most numbers per problem"},
      {"max_number", 99, 1, 1000, "numbers are drawn from [1, max_number]"},
      {"max_target", 100, 1, 1000000, "targets lie in [1, max_target]"},
  };
}

std::unique_ptr<Task> make_countdown_task(const TaskOptions& options) {
  return std::make_unique<CountdownTask>(options);
}

}  // namespace r1::rl
