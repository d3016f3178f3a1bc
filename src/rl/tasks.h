// The built-in tasks: each file (countdown_task.cpp, ...) defines one and its knobs; task.cpp
// lists them for make_task.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rl/task.h"

namespace r1::rl {

// Countdown (TinyZero): reach `target` with an expression using each of `nums` exactly once.
std::vector<KnobSpec> countdown_knobs();
std::unique_ptr<Task> make_countdown_task(const TaskOptions& options);
// A random way to combine all of `nums` with + - * / (each step a non-negative integer, only
// the parentheses precedence needs): how problems are made and how corpus attempts are drawn.
// nullopt when a drawn step was not allowed (draw again).
struct CountdownExpression {
  int64_t value = 0;
  std::string text;
};
class ProblemRng;
std::optional<CountdownExpression> random_countdown_expression(const std::vector<int64_t>& nums,
                                                               ProblemRng& rng);

// Multi-digit integer arithmetic with + - * and the usual precedence.
std::vector<KnobSpec> arithmetic_knobs();
std::unique_ptr<Task> make_arithmetic_task(const TaskOptions& options);

// Sums of named values, "Let a = 7, b = 2. What is a - b?", evaluated left to right.
std::vector<KnobSpec> variables_knobs();
std::unique_ptr<Task> make_variables_task(const TaskOptions& options);
// Its worked solution: "a = 7 , b = 2 , 7 - 2 = 5" (each value looked up, then the running total).
std::string variables_steps(const Problem& problem);

// Linear equations a x + b = c x + d with one solution.
std::vector<KnobSpec> linear_knobs();
std::unique_ptr<Task> make_linear_task(const TaskOptions& options);

// GSM8K-format word problems ({"question", "answer"} with the final answer after "####").
std::vector<KnobSpec> gsm8k_knobs();
std::unique_ptr<Task> make_gsm8k_task(const TaskOptions& options);

// MATH-style problems with \boxed{} answers compared after normalisation.
std::vector<KnobSpec> math_knobs();
std::unique_ptr<Task> make_math_task(const TaskOptions& options);

}  // namespace r1::rl
