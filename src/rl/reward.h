// The rule-based reward of one completion: accuracy from the task's verifier, format from the
// template check, DAPO's overlong shaping, as a configurable weighted sum.
#pragma once

#include <cstdint>
#include <string>

#include "io/json_file.h"
#include "rl/answer_format.h"
#include "rl/self_check.h"
#include "rl/task.h"

namespace r1::rl {

struct RewardConfig {
  double accuracy_weight = 1.0;
  // TinyZero's ratio: a well-formed wrong answer earns a tenth of a right one.
  double format_weight = 0.1;
  // DAPO's soft overlong punishment: 0 up to max_tokens - cache_tokens, then falling linearly
  // to -1 at max_tokens (and -1 beyond). max_tokens = 0 turns it off.
  int64_t max_tokens = 0;
  int64_t cache_tokens = 0;
  double overlong_weight = 1.0;
  // R1's language-consistency reward: this weight times the share of the reasoning written in
  // the task's notation (rl/self_check.h; tasks that count self-checks only).
  double consistency_weight = 0.0;
};
// UsageError naming the field when weights are negative or the lengths inconsistent.
void validate(const RewardConfig& config);

struct RewardBreakdown {
  double total = 0;  // the weighted sum of accuracy, format, overlong and consistency
  double accuracy = 0;  // 1 if the verifier accepts the answer, else 0
  double format = 0;    // 1 if the completion follows the template exactly, else 0
  double overlong = 0;  // in [-1, 0]
  // Of the reasoning, against the task's goal (its consistency, in [0, 1], is the consistency
  // reward's); tasks that count self-checks, else all 0.
  SelfChecks self_checks;
  bool has_answer = false;
  std::string answer;  // the extracted final answer ("" when none)
  FormatIssue issue = FormatIssue::None;
  std::string reason;  // the format problem or why the answer is wrong; "" when all is right
};

// DAPO's length penalty for a completion of `tokens` tokens.
double overlong_penalty(int64_t tokens, int64_t max_tokens, int64_t cache_tokens);

// Accuracy is scored only for an unambiguous answer: never when the answer is missing, empty,
// repeated or only in the thinking (the hacking guards), even though the format weight may be 0.
// UsageError for a consistency weight on a task without self-checks.
RewardBreakdown compute_reward(const Task& task, const Problem& problem,
                               const std::string& completion, int64_t completion_tokens,
                               TemplateKind kind, bool prompt_opens_think,
                               const RewardConfig& config);

// {"total", "accuracy", "format", "overlong", "consistency", "answer", "issue", "reason"} for logs and `r1 task check`.
Json reward_to_json(const RewardBreakdown& r);

}  // namespace r1::rl
