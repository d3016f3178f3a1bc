// The built-in tasks: each file (countdown_task.cpp, ...) defines one and its knobs; task.cpp
// lists them for make_task.
#pragma once

#include <memory>
#include <vector>

#include "rl/task.h"

namespace r1::rl {

// Countdown (TinyZero): reach `target` with an expression using each of `nums` exactly once.
std::vector<KnobSpec> countdown_knobs();
std::unique_ptr<Task> make_countdown_task(const TaskOptions& options);

// Multi-digit integer arithmetic with + - * and the usual precedence.
std::vector<KnobSpec> arithmetic_knobs();
std::unique_ptr<Task> make_arithmetic_task(const TaskOptions& options);

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
