// Attempts are the problem's solution or the nearest of a few random combinations of its
// numbers (a retry never repeats a value already tried); checks are exact step-by-step
// evaluations that end by comparing the target with the value.
#include "rl/search_trace.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/error.h"
#include "rl/expression.h"
#include "rl/tasks.h"

namespace r1::rl {

namespace {

constexpr int kNearMissDraws = 5;  // random combinations drawn for a wrong attempt
constexpr int kMaxDraws = 50;      // tries to find them

std::vector<std::string> lex(const std::string& text) {
  std::vector<std::string> tokens;
  for (size_t i = 0; i < text.size();) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    } else if (std::isdigit(static_cast<unsigned char>(text[i]))) {
      size_t j = i;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      tokens.push_back(text.substr(i, j - i));
      i = j;
    } else {
      tokens.push_back(std::string(1, text[i++]));
    }
  }
  return tokens;
}

std::string print(const std::vector<std::string>& tokens) {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && tokens[i] != ")" && tokens[i - 1] != "(") out += ' ';
    out += tokens[i];
  }
  return out;
}

// Applies one operation: in the first innermost parenthesised group (or the whole expression),
// its first * or /, else its first + or -. False when the result is not a non-negative integer.
bool reduce_once(std::vector<std::string>& t) {
  size_t close = 0;
  while (close < t.size() && t[close] != ")") ++close;
  size_t open = close;  // one past the group's '(' (0 without parentheses)
  while (open > 0 && t[open - 1] != "(") --open;
  size_t op = 0;
  for (size_t i = open; i < close && !op; ++i)
    if (t[i] == "*" || t[i] == "/") op = i;
  for (size_t i = open; i < close && !op; ++i)
    if (t[i] == "+" || t[i] == "-") op = i;
  if (op == 0 || op + 1 >= close) return false;
  const int64_t a = std::atoll(t[op - 1].c_str()), b = std::atoll(t[op + 1].c_str());
  int64_t v = 0;
  if (t[op] == "+") v = a + b;
  if (t[op] == "-") v = a - b;
  if (t[op] == "*") v = a * b;
  if (t[op] == "/") {
    if (b == 0 || a % b != 0) return false;
    v = a / b;
  }
  if (v < 0) return false;
  t[op - 1] = std::to_string(v);
  t.erase(t.begin() + long(op), t.begin() + long(op) + 2);
  if (open > 0 && open + 1 < t.size() && t[open + 1] == ")")  // "( v )" -> "v"
    t.erase(t.begin() + long(open) + 1), t.erase(t.begin() + long(open) - 1);
  return true;
}

bool draw(double fraction, ProblemRng& rng) {
  return double(rng.uniform(0, 999999)) < fraction * 1e6;
}

// A wrong attempt near the target: the closest of a few random combinations that miss it and
// whose value is none of the values already tried.
std::string near_miss(const std::vector<int64_t>& nums, int64_t target, const std::string& solution,
                      const std::vector<int64_t>& tried, ProblemRng& rng) {
  std::optional<CountdownExpression> best;
  int found = 0;
  for (int i = 0; i < kMaxDraws && found < kNearMissDraws; ++i) {
    const std::optional<CountdownExpression> e = random_countdown_expression(nums, rng);
    if (!e || e->value == target || !evaluation_steps(e->text)) continue;
    if (std::find(tried.begin(), tried.end(), e->value) != tried.end()) continue;
    ++found;
    if (!best || std::llabs(e->value - target) < std::llabs(best->value - target)) best = e;
  }
  return best ? best->text : solution;
}

// " , X == V" or " , X != V": the verdict on X against the value V, written after V.
std::string verdict(int64_t x, int64_t value) {
  return " , " + std::to_string(x) + (x == value ? " == " : " != ") + std::to_string(value);
}

// V compared with itself half the time, else with a value 1 to 5 away or any of 1..100, so that
// a verdict follows from the two numbers written.
std::string comparison(int64_t value, ProblemRng& rng) {
  int64_t x = value;
  if (draw(0.5, rng)) {
    do {
      x = draw(0.5, rng) ? value + (draw(0.5, rng) ? 1 : -1) * rng.uniform(1, 5)
                         : rng.uniform(1, 100);
    } while (x == value || x < 0);
  }
  return verdict(x, value);
}

}  // namespace

std::optional<std::string> evaluation_steps(const std::string& expression) {
  if (!evaluate_expression(expression).value) return std::nullopt;
  std::vector<std::string> tokens = lex(expression);
  std::string steps = print(tokens);
  while (tokens.size() > 1) {
    if (!reduce_once(tokens)) return std::nullopt;
    steps += " = " + print(tokens);
  }
  return steps;
}

std::string countdown_search_trace(const Problem& p, const SearchTraceOptions& o, ProblemRng& rng) {
  R1_ASSERT(!p.answer.empty() && o.max_attempts >= 1);
  const std::vector<int64_t> nums = p.data.at("nums").get<std::vector<int64_t>>();
  const int64_t target = p.data.at("target").get<int64_t>();
  const bool checked = draw(o.check_fraction, rng);
  std::string reasoning, attempt;
  std::vector<int64_t> tried;  // the values of the failed attempts
  for (int64_t k = 0; k < o.max_attempts; ++k) {
    attempt =
        draw(o.solved_fraction, rng) ? p.answer : near_miss(nums, target, p.answer, tried, rng);
    if (!checked) {
      reasoning = attempt;
      break;
    }
    const std::optional<std::string> steps = evaluation_steps(attempt);
    if (!steps) {  // a solution from a file may not reduce stepwise ("(5) + 4"): state it
      reasoning += (k > 0 ? " try again . " : "") + attempt;
      break;
    }
    const int64_t value = std::atoll(steps->substr(steps->rfind(' ') + 1).c_str());
    reasoning += (k > 0 ? " try again . " : "") + *steps + verdict(target, value) + " .";
    if (value == target || !draw(o.retry_fraction, rng)) break;
    tried.push_back(value);
  }
  return " <think> " + reasoning + " </think> <answer> " + attempt + " </answer>";
}

std::string countdown_arithmetic(const Problem& p, int count, ProblemRng& rng) {
  const std::vector<int64_t> nums = p.data.at("nums").get<std::vector<int64_t>>();
  std::string line;
  int written = 0;
  for (int i = 0; i < kMaxDraws && written < count; ++i) {
    const std::optional<CountdownExpression> e = random_countdown_expression(nums, rng);
    const std::optional<std::string> steps = e ? evaluation_steps(e->text) : std::nullopt;
    if (!steps) continue;
    line += (written++ > 0 ? " . " : "") + *steps + comparison(e->value, rng);
  }
  return line;
}

}  // namespace r1::rl
