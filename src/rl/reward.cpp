// Reward = weighted sum of verifier accuracy, template format, DAPO's overlong shaping and
// R1's language consistency.
#include "rl/reward.h"

#include "core/error.h"
#include "rl/self_check.h"

namespace r1::rl {

void validate(const RewardConfig& c) {
  if (c.accuracy_weight < 0 || c.format_weight < 0 || c.overlong_weight < 0 ||
      c.consistency_weight < 0)
    throw UsageError("reward weights must be >= 0 (accuracy " + std::to_string(c.accuracy_weight) +
                     ", format " + std::to_string(c.format_weight) + ", overlong " +
                     std::to_string(c.overlong_weight) + ", consistency " +
                     std::to_string(c.consistency_weight) + ")");
  if (c.max_tokens < 0 || c.cache_tokens < 0 || c.cache_tokens > c.max_tokens)
    throw UsageError("overlong shaping: expected 0 <= cache tokens (" +
                     std::to_string(c.cache_tokens) + ") <= max tokens (" +
                     std::to_string(c.max_tokens) + ")");
}

double overlong_penalty(int64_t tokens, int64_t max_tokens, int64_t cache_tokens) {
  if (max_tokens <= 0) return 0.0;
  if (tokens > max_tokens) return -1.0;
  const int64_t free_tokens = max_tokens - cache_tokens;
  if (tokens <= free_tokens) return 0.0;
  return double(free_tokens - tokens) / double(cache_tokens);
}

RewardBreakdown compute_reward(const Task& task, const Problem& problem,
                               const std::string& completion, int64_t completion_tokens,
                               TemplateKind kind, bool prompt_opens_think,
                               const RewardConfig& config) {
  const ParsedCompletion parsed = parse_completion(completion, kind, prompt_opens_think);
  RewardBreakdown r;
  r.format = parsed.format_ok ? 1.0 : 0.0;
  r.has_answer = parsed.has_answer;
  r.answer = parsed.answer;
  r.issue = parsed.issue;
  r.reason = parsed.reason;
  if (parsed.has_answer) {
    const AnswerCheck check = task.check(problem, parsed.answer);
    r.accuracy = check.correct ? 1.0 : 0.0;
    if (!check.correct) r.reason = r.reason.empty() ? check.reason : r.reason + "; " + check.reason;
  }
  r.overlong = overlong_penalty(completion_tokens, config.max_tokens, config.cache_tokens);
  if (config.consistency_weight > 0 && !task.counts_self_checks())
    throw UsageError(
        "the consistency reward needs a task with a reasoning notation (countdown); "
        "task " +
        task.name() + " has none");
  if (task.counts_self_checks())
    r.self_checks = count_self_checks(completion, task.self_check_goal(problem));
  r.total = config.accuracy_weight * r.accuracy + config.format_weight * r.format +
            config.overlong_weight * r.overlong + config.consistency_weight * r.self_checks.consistency;
  return r;
}

Json reward_to_json(const RewardBreakdown& r) {
  return {{"total", r.total},
          {"accuracy", r.accuracy},
          {"format", r.format},
          {"overlong", r.overlong},
          {"consistency", r.self_checks.consistency},
          {"answer", r.has_answer ? Json(r.answer) : Json(nullptr)},
          {"issue", format_issue_name(r.issue)},
          {"reason", r.reason}};
}

}  // namespace r1::rl
