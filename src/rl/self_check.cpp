// Clause by clause: the leading expression is the attempt, a trailing == or != its check.
#include "rl/self_check.h"

#include <algorithm>
#include <optional>
#include <string>

#include "rl/expression.h"

namespace r1::rl {

namespace {

std::string_view trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\n\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\n\r") - b + 1);
}

// The reasoning: before <answer>, with the think tags blanked so they never join a clause.
std::string reasoning_text(std::string_view completion) {
  std::string text(completion.substr(0, completion.find("<answer>")));
  for (const std::string_view tag : {std::string_view("</think>"), std::string_view("<think>")})
    for (size_t at = text.find(tag); at != std::string::npos; at = text.find(tag))
      text.replace(at, tag.size(), std::string(tag.size(), ' '));
  return text;
}

// The value of an attempt: an expression with at least one operator.
std::optional<Rational> attempt_value(std::string_view text) {
  const ExpressionValue e = evaluate_expression(trim(text));
  if (!e.value || e.numbers.size() < 2) return std::nullopt;
  return e.value;
}

struct Clause {
  std::optional<Rational> attempt;
  bool checked = false, failed = false, verdict_true = false, off_goal = false;
};

// "E0 = E1 = ... = V , T != V" (or the older "E0 = ... = V != T"): the attempt E0 and, when a
// comparison ends the clause, its verdict about E0 and the compared value T (after the last ','
// before the comparison, else after it), judged against the goal when there is one, else T.
Clause read_clause(std::string_view clause, const std::optional<Rational>& goal) {
  Clause c;
  size_t cmp = std::string_view::npos;
  for (const std::string_view op : {std::string_view("=="), std::string_view("!=")}) {
    const size_t at = clause.rfind(op);
    if (at != std::string_view::npos && (cmp == std::string_view::npos || at > cmp)) cmp = at;
  }
  std::string_view chain = clause.substr(0, cmp);
  std::string_view compared = cmp == std::string_view::npos ? "" : clause.substr(cmp + 2);
  const size_t comma = cmp == std::string_view::npos ? chain.npos : chain.rfind(',');
  if (comma != std::string_view::npos) {
    compared = chain.substr(comma + 1);
    chain = chain.substr(0, comma);
  }
  c.attempt = attempt_value(chain.substr(0, chain.find('=')));
  if (!c.attempt || cmp == std::string_view::npos) return c;
  const ExpressionValue t = evaluate_expression(trim(compared));
  c.checked = true;
  c.failed = clause[cmp] == '!';
  const std::optional<Rational> compared_with = goal ? goal : t.value;
  c.off_goal = goal && (!t.value || *t.value != *goal);
  c.verdict_true = compared_with && ((*c.attempt == *compared_with) != c.failed);
  return c;
}

bool notation_word(std::string_view word) {
  if (word == "try" || word == "again") return true;
  return word.find_first_not_of("0123456789+-*/()=!.,") == std::string_view::npos;
}

double notation_share(std::string_view reasoning) {
  int64_t words = 0, in_notation = 0;
  for (size_t at = 0; at < reasoning.size();) {
    const size_t begin = reasoning.find_first_not_of(" \t\n\r", at);
    if (begin == std::string_view::npos) break;
    const size_t end = std::min(reasoning.find_first_of(" \t\n\r", begin), reasoning.size());
    ++words;
    in_notation += notation_word(reasoning.substr(begin, end - begin)) ? 1 : 0;
    at = end;
  }
  return words > 0 ? double(in_notation) / double(words) : 0.0;
}

}  // namespace

SelfChecks count_self_checks(std::string_view completion, const std::optional<Rational>& goal) {
  const std::string text = reasoning_text(completion);
  SelfChecks s;
  s.consistency = notation_share(text);
  bool after_failed_check = false;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find('.', begin), text.size());
    const Clause c = read_clause(std::string_view(text).substr(begin, end - begin), goal);
    begin = end + 1;
    if (!c.attempt) continue;
    ++s.attempts;
    if (after_failed_check) ++s.retries;
    after_failed_check = false;
    if (!c.checked) continue;
    ++s.checks;
    s.false_checks += c.verdict_true ? 0 : 1;
    s.off_goal_checks += c.off_goal ? 1 : 0;
    if (c.failed) {
      ++s.failed_checks;
      after_failed_check = true;
    }
  }
  return s;
}

void SelfCheckTally::add(const SelfChecks& c, bool correct) {
  const double right = correct ? 1.0 : 0.0;
  sums_[kRollouts] += 1;
  sums_[kAttempts] += double(c.attempts);
  sums_[kWithCheck] += c.checks > 0 ? 1 : 0;
  sums_[kChecks] += double(c.checks);
  sums_[kFailedChecks] += double(c.failed_checks);
  sums_[kRetries] += double(c.retries);
  sums_[kWithRetry] += c.retries > 0 ? 1 : 0;
  sums_[kCorrectWithRetry] += c.retries > 0 ? right : 0;
  sums_[kFalseChecks] += double(c.false_checks);
  sums_[kOffGoalChecks] += double(c.off_goal_checks);
  sums_[kConsistency] += c.consistency;
  sums_[kReadable] += c.consistency == 1.0 && c.attempts > 0 ? 1 : 0;
  const size_t bucket = size_t(std::min<int64_t>(c.attempts, 3));
  sums_[kByAttempts + bucket] += 1;
  sums_[kCorrectByAttempts + bucket] += right;
}

Json SelfCheckTally::metrics() const {
  const auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  const double n = sums_[kRollouts];
  Json m = {{"attempts_per_rollout", ratio(sums_[kAttempts], n)},
            {"check_rate", ratio(sums_[kWithCheck], n)},
            {"retry_rate", ratio(sums_[kRetries], sums_[kFailedChecks])},
            {"retry_rollout_rate", ratio(sums_[kWithRetry], n)},
            {"false_check_rate", ratio(sums_[kFalseChecks], sums_[kChecks])},
            {"off_target_check_rate", ratio(sums_[kOffGoalChecks], sums_[kChecks])},
            {"consistency_mean", ratio(sums_[kConsistency], n)},
            {"readable_rate", ratio(sums_[kReadable], n)}};
  if (sums_[kWithRetry] > 0)
    m["accuracy_with_retry"] = sums_[kCorrectWithRetry] / sums_[kWithRetry];
  static const char* const kBucket[] = {"0", "1", "2", "3plus"};
  for (int b = 0; b < 4; ++b) {
    const double count = sums_[kByAttempts + b];
    m[std::string("rollouts_") + kBucket[b] + "_attempts"] = int64_t(count);
    if (b > 0 && count > 0)
      m[std::string("accuracy_") + kBucket[b] + (b == 1 ? "_attempt" : "_attempts")] =
          sums_[kCorrectByAttempts + b] / count;
  }
  return m;
}

}  // namespace r1::rl
