// Countdown documents written as a search, the raw material of the "aha moment" (issue 21): an
// attempt, optionally checked by evaluating it one operation at a time and comparing with the
// target, and, rarely, another attempt after a failed check. Most documents only state an
// attempt: a base model pretrained on them can check and retry but seldom does, so whatever
// raises the rate under GRPO is the reward (rl/self_check.h counts it in rollouts).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rl/problem_rng.h"
#include "rl/task.h"

namespace r1::rl {

struct SearchTraceOptions {
  double check_fraction = 0.2;   // documents whose attempts are checked
  double retry_fraction = 0.15;  // failed checks followed by another attempt
  double solved_fraction = 0.4;  // attempts that are a solution (the others: a near miss)
  int64_t max_attempts = 4;      // per document
  // Extra documents, one per problem drawn with this share, that only evaluate random
  // combinations of its numbers (countdown_arithmetic): the arithmetic a checked attempt needs,
  // outside the R1-Zero format, so the base learns to compute without learning to check.
  double arithmetic_fraction = 0.0;
};

// The steps of evaluating a Countdown expression, one operation per step, innermost
// parentheses first and * / before + -: "(95 - 43) * 2 + 21 = 52 * 2 + 21 = 104 + 21 = 125".
// nullopt when the text is not an expression or a step is not an integer.
std::optional<std::string> evaluation_steps(const std::string& expression);

// The completion after the R1-Zero prompt: " <think> REASONING </think> <answer> A </answer>"
// where REASONING is "ATTEMPT" (unchecked) or "ATTEMPT = STEPS = V , T != V . try again .
// ATTEMPT = ... = T , T == T ." (checked: the target T is written before the verdict, so the
// verdict follows from the two numbers), and A the last attempt. A retry's value differs from
// every failed attempt's. The problem must carry its solution.
std::string countdown_search_trace(const Problem& problem, const SearchTraceOptions& options,
                                   ProblemRng& rng);

// Evaluation steps of `count` random combinations of the problem's numbers, each ending in a
// comparison of its value with another number (itself half the time), as one line:
// "17 * 4 - 9 = 68 - 9 = 59 , 59 == 59 . 12 + 9 = 21 , 24 != 21 . ..." (combinations that do not
// reduce stepwise to integers are skipped; a problem with none gives "").
std::string countdown_arithmetic(const Problem& problem, int count, ProblemRng& rng);

}  // namespace r1::rl
