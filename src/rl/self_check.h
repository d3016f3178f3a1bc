// Self-verification in a completion's reasoning, the behaviour R1-Zero's "aha moment" is about:
// how often a rollout proposes an answer, checks it against the goal, and tries again after a
// failed check. Counted on the Countdown corpus's notation (rl/search_trace.h), which a model
// trained on it keeps: clauses end at '.', an attempt is a clause that opens with an expression
// ("95 - 43 + 21"), its check evaluates it and compares the target with the value,
// "... = 52 + 21 = 73 , 80 != 73" (failed) or "... = 80 , 80 == 80" (passed; the older form
// "... = 73 != 80" is read too), and a retry is an attempt after a failed check.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "io/json_file.h"
#include "rl/rational.h"

namespace r1::rl {

struct SelfChecks {
  int64_t attempts = 0;
  int64_t checks = 0;         // attempts compared with a value by == or !=
  int64_t failed_checks = 0;  // checks with the verdict !=
  int64_t retries = 0;        // attempts that follow a failed check
  // Checks whose verdict is untrue of the attempt's exact value: against the goal when there is
  // one ("31 == 31" for target 84 is false), else against the value the check names.
  int64_t false_checks = 0;
  // R1's language consistency in this notation: the share of the reasoning's words that are
  // numbers, operators, parentheses, = == != . , or "try again" (0 for empty reasoning).
  double consistency = 0.0;
  int64_t off_goal_checks = 0;  // checks that compare with another value than the goal
};

// The counts of one completion; its reasoning is the text before "<answer>" (all of it when
// there is none), think tags ignored. `goal`: what a check must compare with
// (Task::self_check_goal).
SelfChecks count_self_checks(std::string_view completion,
                             const std::optional<Rational>& goal = std::nullopt);

// Sums over rollouts, kept as one array so that ranks can all-reduce them.
class SelfCheckTally {
 public:
  void add(const SelfChecks& c, bool correct);
  double* sums() { return sums_.data(); }
  static constexpr int size() { return kSums; }
  // Means and rates: "attempts_per_rollout", "check_rate" (rollouts with a check),
  // "retry_rate" (failed checks followed by a retry), "retry_rollout_rate",
  // "false_check_rate" and "off_target_check_rate" (of checks), "consistency_mean", "readable_rate"
  // (rollouts whose reasoning is all notation and attempts something), "accuracy_with_retry",
  // "accuracy_1_attempt", "accuracy_2_attempts", "accuracy_3plus_attempts" (an accuracy only where
  // its rollouts exist) and "rollouts_N_attempts" counts for N in 0, 1, 2, 3plus.
  Json metrics() const;

 private:
  enum {
    kRollouts,
    kAttempts,
    kWithCheck,
    kChecks,
    kFailedChecks,
    kRetries,
    kWithRetry,
    kCorrectWithRetry,
    kFalseChecks,
    kOffGoalChecks,
    kConsistency,
    kReadable,
    kByAttempts,  // [4]: 0, 1, 2, 3+ attempts
    kCorrectByAttempts = kByAttempts + 4,
    kSums = kCorrectByAttempts + 4
  };
  std::array<double, kSums> sums_{};
};

}  // namespace r1::rl
