// The per-render byte and step budget (thread-local, as the namespace arena is).
#include "chat/jinja_budget.h"

#include <string>

namespace r1::jinja {

namespace {
thread_local RenderBudget* current_budget = nullptr;
}

RenderBudget::RenderBudget(const RenderLimits& limits) : limits_(limits), previous_(current_budget) {
  current_budget = this;
}

RenderBudget::~RenderBudget() {
  current_budget = previous_;
}

namespace {

[[noreturn]] void exceeded(const RenderLimits& limits) {
  throw BudgetExceeded("the render exceeded its budget of " + std::to_string(limits.max_bytes) +
                       " bytes built (strings, lists and output)");
}

}  // namespace

void RenderBudget::check(size_t bytes) {
  const RenderBudget* b = current_budget;
  if (b && bytes > b->limits_.max_bytes - b->used_) exceeded(b->limits_);
}

void RenderBudget::charge(size_t bytes) {
  RenderBudget* b = current_budget;
  if (!b) return;
  if (bytes > b->limits_.max_bytes - b->used_) exceeded(b->limits_);
  b->used_ += bytes;
}

}  // namespace r1::jinja

namespace r1::jinja {

void RenderBudget::tick(uint64_t n) {
  RenderBudget* b = current_budget;
  if (!b) return;
  b->steps_ += n;
  if (b->steps_ > b->limits_.max_steps)
    throw BudgetExceeded("template exceeded " + std::to_string(b->limits_.max_steps) + " steps");
}

}  // namespace r1::jinja
