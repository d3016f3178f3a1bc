// Helpers shared by tests: temp dirs, running the r1 binary, comparing arrays, random weights.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "core/weight_matrix.h"

namespace r1::test {

// A fresh empty directory under the test temp dir, unique per call.
std::string make_temp_dir(const std::string& tag);

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout + stderr
};
// Runs a shell command line, capturing both streams.
RunResult run_command(const std::string& cmd);
// Runs the built r1 binary with the given arguments (already shell-quoted as needed).
RunResult run_r1(const std::string& args);
// The same under `mpirun --oversubscribe --allow-run-as-root -np ranks` (env: VAR=value ...
// exported to every rank).
RunResult run_r1_ranks(int ranks, const std::string& args, const std::string& env = "");
// The mpirun command line that launches `ranks` ranks of r1 (append the arguments).
std::string mpirun_r1(int ranks, const std::string& env = "");
// Two ranks launched with different arguments (mpirun's MPMD form "A : -np 1 B").
RunResult run_r1_two_ranks(const std::string& rank0_args, const std::string& rank1_args);

// What became of a 2-rank run whose rank 1 was sent a signal.
struct SignalledRun {
  bool exited_zero = true;
  double seconds = 0.0;  // from the start of the run to its end
  std::string log;       // every rank's stdout and stderr
};
// Starts `r1 args` on 2 ranks with R1_COMM_TIMEOUT=3, waits until `started` appears twice in
// its output (each rank's start line) and half a second more, sends SIGSTOP or SIGKILL
// (`signal`: "STOP" or "KILL") to rank 1 (found by `marker`, a string of its command line),
// and waits for the run to end. `dir`: where its script and log go.
SignalledRun run_and_signal_rank1(const std::string& args, const std::string& started,
                                  const std::string& marker, const std::string& signal,
                                  const std::string& dir);

// max|a - b| / max|b| over all elements (shapes must match).
double max_relative_error(const Tensor& a, const Tensor& b);

// A weight matrix [out, in] of N(0, 1) values stored in `dtype`: rounded for bf16/f16, block
// quantised for q8_0/q4_0, fp8 with 16x32 scale blocks.
WeightMatrix random_matrix(DType dtype, int64_t out, int64_t in, std::mt19937& rng);

}  // namespace r1::test
