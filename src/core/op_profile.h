// Per-op wall time and FLOPs of training steps (`--profile`): scopes accumulate into one table
// per process, each exclusive of the scopes nested in it; when disabled a scope reads no clock.
#pragma once

#include <array>
#include <chrono>

namespace r1 {

enum class ProfileOp { MatmulForward, MatmulDx, MatmulDw, Attention, HeadLoss, Optimizer };
constexpr int kProfileOps = 6;

const char* profile_op_name(ProfileOp op);  // "dense matmul forward", ..., "optimizer"

struct OpProfileTotals {
  std::array<double, kProfileOps> seconds{};  // exclusive of nested scopes
  std::array<double, kProfileOps> flops{};    // as counted by the scopes
};

// Turns profiling on or off and clears the totals. Scopes opened while it is off record nothing.
void op_profile_enable(bool on);
bool op_profile_enabled();
OpProfileTotals op_profile_totals();

// Times its own lifetime under `op` (minus the time of scopes opened inside it) and adds `flops`.
// Scopes nest on one thread: the training loop's (the kernels' pool workers open none).
class ProfileScope {
 public:
  explicit ProfileScope(ProfileOp op, double flops = 0.0);
  ~ProfileScope();
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  bool active_ = false;
  ProfileOp op_;
  double flops_;
  double nested_seconds_ = 0.0;
  ProfileScope* parent_ = nullptr;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace r1
