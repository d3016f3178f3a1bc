// The profile's totals and the stack of open scopes. One training thread opens scopes, so the
// totals need no lock; the flag is atomic only because the CLI thread sets it.
#include "core/op_profile.h"

#include <atomic>

namespace r1 {

namespace {

std::atomic<bool> g_enabled{false};
OpProfileTotals g_totals;
thread_local ProfileScope* t_innermost = nullptr;

}  // namespace

const char* profile_op_name(ProfileOp op) {
  switch (op) {
    case ProfileOp::MatmulForward:
      return "dense matmul forward";
    case ProfileOp::MatmulDx:
      return "dense matmul dX";
    case ProfileOp::MatmulDw:
      return "dense matmul dW";
    case ProfileOp::Attention:
      return "attention";
    case ProfileOp::HeadLoss:
      return "head + loss";
    case ProfileOp::Optimizer:
      return "optimizer (AdamW + clip)";
  }
  return "?";
}

void op_profile_enable(bool on) {
  g_totals = OpProfileTotals{};
  g_enabled.store(on, std::memory_order_relaxed);
}

bool op_profile_enabled() {
  return g_enabled.load(std::memory_order_relaxed);
}

OpProfileTotals op_profile_totals() {
  return g_totals;
}

ProfileScope::ProfileScope(ProfileOp op, double flops) : op_(op), flops_(flops) {
  if (!op_profile_enabled()) return;
  active_ = true;
  parent_ = t_innermost;
  t_innermost = this;
  start_ = std::chrono::steady_clock::now();
}

ProfileScope::~ProfileScope() {
  if (!active_) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  g_totals.seconds[size_t(op_)] += seconds - nested_seconds_;
  g_totals.flops[size_t(op_)] += flops_;
  if (parent_) parent_->nested_seconds_ += seconds;
  t_innermost = parent_;
}

}  // namespace r1
