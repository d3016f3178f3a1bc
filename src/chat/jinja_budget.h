// One budget per template render: the bytes of every string and list a render builds (its
// output included) and the steps it takes, so that any template fails in bounded time and
// memory with one clear error instead of reaching the OOM killer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "chat/jinja_value.h"

namespace r1::jinja {

// Default total of bytes one render may build: strings (every byte of every string an
// operation creates, copies out of a variable, or writes to the output) and lists (each
// element as sizeof(Value)). Real chat prompts are at most a few MB and a render builds a
// small multiple of its prompt, so 256 MiB is generous for them and still bounded.
constexpr size_t kMaxRenderBytes = size_t(256) << 20;
// Default number of steps: loop iterations, output statements and expression evaluations.
// A long real conversation takes well under a million.
constexpr uint64_t kMaxRenderSteps = 20'000'000;

struct RenderLimits {
  uint64_t max_steps = kMaxRenderSteps;
  size_t max_bytes = kMaxRenderBytes;
};

// The render exceeded its byte or step budget (a JinjaError: the evaluator adds the position).
class BudgetExceeded : public JinjaError {
 public:
  using JinjaError::JinjaError;
};

// While a budget is alive on this thread, the operations of the interpreter charge it; the
// renderer holds one per render. Without one (values built outside a render) nothing is
// charged.
class RenderBudget {
 public:
  explicit RenderBudget(const RenderLimits& limits);
  ~RenderBudget();
  RenderBudget(const RenderBudget&) = delete;
  RenderBudget& operator=(const RenderBudget&) = delete;

  // Counts n bytes as built; BudgetExceeded when the total would pass the limit. Callers
  // charge before they build, so memory never grows past the limit.
  static void charge(size_t bytes);
  // BudgetExceeded unless n more bytes fit: operations that could build a huge result (+, ~,
  // *, join, replace) check its size before they build it; the value is charged when made.
  static void check(size_t bytes);
  // Charges n list elements.
  static void charge_items(size_t n) { charge(n * sizeof(Value)); }
  // Counts n steps (loop iterations, outputs, expressions, and nodes visited by comparisons of
  // nested values); BudgetExceeded past the step limit.
  static void tick(uint64_t n = 1);
  const RenderLimits& limits() const { return limits_; }

 private:
  RenderLimits limits_;
  size_t used_ = 0;
  uint64_t steps_ = 0;
  RenderBudget* previous_;
};

}  // namespace r1::jinja
