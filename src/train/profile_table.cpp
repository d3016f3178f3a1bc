// format_profile_table: fixed-width rows; GFLOP/s only where FLOPs were counted (the matmuls).
#include "train/profile_table.h"

#include <cstdio>

namespace r1 {

namespace {

std::string row(const char* name, double seconds, double total, double flops) {
  char line[160];
  const double share = total > 0.0 ? 100.0 * seconds / total : 0.0;
  if (flops > 0.0 && seconds > 0.0) {
    std::snprintf(line, sizeof line, "  %-26s %9.3f %6.1f%% %9.1f\n", name, seconds, share,
                  flops / seconds / 1e9);
  } else {
    std::snprintf(line, sizeof line, "  %-26s %9.3f %6.1f%% %9s\n", name, seconds, share, "-");
  }
  return line;
}

}  // namespace

std::string format_profile_table(const ProfileReport& r) {
  char line[400];
  std::snprintf(line, sizeof line, "profile of %lld steps (%.3f s), compute %s:\n",
                (long long)r.steps, r.step_seconds, compute_type_name(r.compute));
  std::string out = line;
  std::snprintf(line, sizeof line, "  %-26s %9s %7s %9s\n", "op", "time s", "share", "GFLOP/s");
  out += line;
  double claimed = 0.0, matmul_seconds = 0.0, matmul_flops = 0.0;
  for (int i = 0; i < kProfileOps; ++i) {
    const ProfileOp op = ProfileOp(i);
    const double s = r.ops.seconds[size_t(i)], f = r.ops.flops[size_t(i)];
    out += row(profile_op_name(op), s, r.step_seconds, f);
    claimed += s;
    if (op == ProfileOp::MatmulForward || op == ProfileOp::MatmulDx || op == ProfileOp::MatmulDw) {
      matmul_seconds += s;
      matmul_flops += f;
    }
  }
  out +=
      row("other", r.step_seconds > claimed ? r.step_seconds - claimed : 0.0, r.step_seconds, 0.0);
  const double achieved = matmul_seconds > 0.0 ? matmul_flops / matmul_seconds / 1e9 : 0.0;
  auto percent = [&](double peak) { return peak > 0.0 ? 100.0 * achieved / peak : 0.0; };
  std::snprintf(line, sizeof line,
                "  dense matmuls: %.1f GFLOP in %.3f s = %.1f GFLOP/s, %.0f%% of the sgemm peak "
                "(%.1f GFLOP/s), %.0f%% of the bf16 GEMM peak (%.1f GFLOP/s)\n",
                matmul_flops / 1e9, matmul_seconds, achieved, percent(r.sgemm_gflops),
                r.sgemm_gflops, percent(r.bf16_gemm_gflops), r.bf16_gemm_gflops);
  return out + line;
}

}  // namespace r1
