// Worked solutions by rewriting: the expression's items are reduced one operation at a time
// (the first '*' if any, else the leftmost + or -), each state written out; guesses perturb
// the reference answer; tool-call solutions call the calculator.
#include "rl/worked_solution.h"

#include <sstream>

#include "chat/tool_call_format.h"
#include "core/error.h"
#include "rl/problem_rng.h"
#include "rl/prompt_template.h"
#include "rl/rollout_tools.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

std::vector<std::string> split_items(const std::string& expression) {
  std::vector<std::string> items;
  std::istringstream in(expression);
  for (std::string item; in >> item;) items.push_back(item);
  return items;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::string arithmetic_steps(const std::string& expression) {
  std::vector<std::string> items = split_items(expression);  // number (op number)*
  std::string steps = join(items);
  while (items.size() >= 3) {
    size_t at = 1;  // the operator to apply: the first '*', else the leftmost
    for (size_t i = 1; i < items.size(); i += 2)
      if (items[i] == "*") {
        at = i;
        break;
      }
    const int64_t a = std::stoll(items[at - 1]), b = std::stoll(items[at + 1]);
    const int64_t v = items[at] == "*" ? a * b : items[at] == "+" ? a + b : a - b;
    items.erase(items.begin() + long(at), items.begin() + long(at) + 2);
    items[at - 1] = std::to_string(v);
    steps += " , " + join(items);
  }
  return steps;
}

}  // namespace

std::optional<std::string> worked_steps(const Task& task, const Problem& problem) {
  if (task.name() == "arithmetic")
    return arithmetic_steps(problem.data.at("expression").get<std::string>());
  if (task.name() == "variables") return variables_steps(problem);
  return std::nullopt;
}

namespace {

constexpr int kArithmeticChains = 4;  // evaluations per countdown arithmetic document

// The calculator called on the problem's expression, then its output, as the model writes and
// reads them.
std::string tool_call_solution(const Problem& p) {
  const std::string arguments = Json{{"expression", p.data.at("expression")}}.dump();
  const ToolResult result = calculator(arguments);
  R1_ASSERT(!result.error);
  return tool_call_block(ToolCallFormat::R1, "calculator", arguments) +
         tool_outputs_text(ToolCallFormat::R1, {result.output}).text;
}

void check_fraction(double f, const char* what) {
  if (!(f >= 0.0 && f <= 1.0))
    throw UsageError(std::string("the ") + what + " fraction must be in [0, 1], got " +
                     std::to_string(f));
}

}  // namespace

std::vector<CorpusDocument> r1_zero_corpus(const Task& task, const std::vector<Problem>& problems,
                                        const CorpusOptions& o) {
  check_fraction(o.careful_fraction, "worked-solution");
  check_fraction(o.tool_prompt_fraction, "tool-prompt");
  check_fraction(o.tool_call_fraction, "tool-call");
  const bool tool_calls = o.tool_prompt_fraction > 0 && o.tool_call_fraction > 0;
  if (tool_calls && (problems.empty() || !problems[0].data.contains("expression")))
    throw UsageError("task " + task.name() +
                     " has no expressions for the calculator (tasks with them: arithmetic)");
  RolloutTools calculator_tool;
  calculator_tool.names = {"calculator"};
  if (o.guess_spread < 0) throw UsageError("the guess spread must be >= 0");
  std::vector<CorpusDocument> docs;
  ProblemRng rng(o.seed);
  check_fraction(o.search.check_fraction, "check");
  check_fraction(o.search.retry_fraction, "retry");
  check_fraction(o.search.solved_fraction, "solved");
  check_fraction(o.search.arithmetic_fraction, "arithmetic");
  if (o.search.max_attempts < 1 || o.search.max_attempts > 64)
    throw UsageError("--max-attempts " + std::to_string(o.search.max_attempts) +
                     ": expected 1 to 64 attempts per document");
  for (const Problem& p : problems) {
    if (task.name() == "countdown") {
      docs.push_back({render_prompt(TemplateKind::R1Zero, p.question, nullptr, nullptr),
                      countdown_search_trace(p, o.search, rng)});
      // Drawn only with an arithmetic share, so that corpora without one stay as they were.
      if (o.search.arithmetic_fraction > 0 &&
          double(rng.uniform(0, 999999)) < o.search.arithmetic_fraction * 1e6) {
        std::string line = countdown_arithmetic(p, kArithmeticChains, rng);
        if (!line.empty()) docs.push_back({"", std::move(line)});
      }
      continue;
    }
    const std::optional<std::string> steps = worked_steps(task, p);
    if (!steps)
      throw UsageError("task " + task.name() +
                       " has no worked solutions (tasks with them: arithmetic, variables; countdown writes search traces)");
    const bool careful = double(rng.uniform(0, 999999)) < o.careful_fraction * 1e6;
    // Drawn only with a tool share, so that corpora without one stay as they were.
    const bool offered =
        o.tool_prompt_fraction > 0 && double(rng.uniform(0, 999999)) < o.tool_prompt_fraction * 1e6;
    const bool calls = offered && double(rng.uniform(0, 999999)) < o.tool_call_fraction * 1e6;
    std::string completion;
    if (calls) {
      completion =
          " <think> " + tool_call_solution(p) + " </think> <answer> " + p.answer + " </answer>";
    } else if (careful) {
      completion = " <think> " + *steps + " </think> <answer> " + p.answer + " </answer>";
    } else {
      const int64_t guess = std::stoll(p.answer) + rng.uniform(-o.guess_spread, o.guess_spread);
      completion =
          " <think> quick guess </think> <answer> " + std::to_string(guess) + " </answer>";
    }
    docs.push_back({render_prompt(TemplateKind::R1Zero, p.question, nullptr,
                                  offered ? &calculator_tool : nullptr),
                    std::move(completion)});
  }
  return docs;
}

}  // namespace r1::rl
