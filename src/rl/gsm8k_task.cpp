// GSM8K-format word problems: {"question", "answer"} where the reference is the number after the
// last "####". Generated problems are short multi-step stories in the same format. The model's
// answer must be a number literal, optionally with a leading "$" ("$1,250" == "1250").
#include "core/error.h"
#include "rl/problem_rng.h"
#include "rl/rational.h"
#include "rl/task_json.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

constexpr const char* kNames[] = {"Ava", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A number literal with an optional currency sign after the sign ("$18", "-$3", "$1,250.50").
std::optional<Rational> parse_amount(std::string_view s) {
  s = trim(s);
  std::string text(s);
  const size_t dollar = text.find('$');
  if (dollar == 0 || (dollar == 1 && (text[0] == '-' || text[0] == '+'))) text.erase(dollar, 1);
  return parse_number(text);
}

struct Story {
  std::string question, working;
  int64_t answer;
};

// One of a few two-step story shapes; every quantity is in [1, m].
Story draw_story(ProblemRng& rng, int64_t m) {
  const std::string name = kNames[rng.uniform(0, 7)];
  const int64_t a = rng.uniform(1, m), b = rng.uniform(1, m), c = rng.uniform(1, m);
  const auto n = [](int64_t v) { return std::to_string(v); };
  switch (rng.uniform(0, 3)) {
    case 0:
      return {name + " has " + n(a) + " apples and buys " + n(b) + " bags with " + n(c) +
                  " apples each. How many apples does " + name + " have now?",
              n(a) + " + " + n(b) + " * " + n(c) + " = " + n(a + b * c), a + b * c};
    case 1:
      return {"A pencil costs $" + n(a) + ". " + name + " buys " + n(b) +
                  " pencils and pays with $" + n(a * b + c) + ". How much change does " + name +
                  " get, in dollars?",
              n(a * b + c) + " - " + n(a) + " * " + n(b) + " = " + n(c), c};
    case 2:
      return {name + " reads " + n(a) + " pages a day for " + n(b) + " days, then " + n(c) +
                  " more pages. How many pages does " + name + " read in total?",
              n(a) + " * " + n(b) + " + " + n(c) + " = " + n(a * b + c), a * b + c};
    default: {
      const int64_t eaten = std::min(c, a * b);
      return {"There are " + n(a) + " boxes with " + n(b) + " cookies each. " + name + " eats " +
                  n(eaten) + " cookies. How many cookies are left?",
              n(a) + " * " + n(b) + " - " + n(eaten) + " = " + n(a * b - eaten), a * b - eaten};
    }
  }
}

class Gsm8kTask : public Task {
 public:
  explicit Gsm8kTask(const TaskOptions& options) : Task(options) {}

  std::string name() const override { return "gsm8k"; }

  Problem generate(uint64_t seed) const override {
    ProblemRng rng(seed);
    const Story s = draw_story(rng, knob("max_number"));
    return make_problem(s.question, s.working + "\n#### " + std::to_string(s.answer),
                        Rational(s.answer));
  }

  Problem from_json(const Json& record, const std::string& where) const override {
    const std::string question = json_string_field(record, "question", where);
    const std::string answer = json_string_field(record, "answer", where);
    const size_t mark = answer.rfind("####");
    if (mark == std::string::npos)
      throw FormatError(where + ": field \"answer\" has no \"####\" before the final answer");
    const std::optional<Rational> ref = parse_amount(answer.substr(mark + 4));
    if (!ref)
      throw FormatError(where + ": field \"answer\": the text after #### is not a number: " +
                        quote_untrusted(std::string(trim(answer.substr(mark + 4)))));
    return make_problem(question, answer, *ref);
  }

  Json to_json(const Problem& p) const override {
    return {{"question", p.data["question"]}, {"answer", p.data["answer"]}};
  }

  AnswerCheck check(const Problem& p, const std::string& answer) const override {
    const std::optional<Rational> got = parse_amount(answer);
    if (!got) return {false, "not a number literal: " + quote_untrusted(answer)};
    if (got->to_string() != p.answer) return {false, got->to_string() + " is not " + p.answer};
    return {true, ""};
  }

 private:
  static Problem make_problem(const std::string& question, const std::string& answer,
                              const Rational& ref) {
    Problem p;
    p.question = question;
    p.answer = ref.to_string();
    p.data = {{"question", question}, {"answer", answer}};
    return p;
  }
};

}  // namespace

std::vector<KnobSpec> gsm8k_knobs() {
  return {{"max_number", 20, 2, 10000, "quantities in generated stories lie in [1, max_number]"}};
}

std::unique_ptr<Task> make_gsm8k_task(const TaskOptions& options) {
  return std::make_unique<Gsm8kTask>(options);
}

}  // namespace r1::rl
