// The `--profile` table of a training run: time and share of the steps per op, and what the
// dense matmuls reached against the GEMM peaks measured at start.
#pragma once

#include <cstdint>
#include <string>

#include "core/op_profile.h"
#include "kernels/cpu/matmul.h"

namespace r1 {

struct ProfileReport {
  OpProfileTotals ops;
  double step_seconds = 0.0;  // wall time of the steps: the table's 100%
  int64_t steps = 0;
  ComputeType compute = ComputeType::F32;
  double sgemm_gflops = 0.0, bf16_gemm_gflops = 0.0;  // the peaks measured at start
};

// One row per op plus "other" (the steps' time no op claimed) and the matmul summary line.
std::string format_profile_table(const ProfileReport& r);

}  // namespace r1
