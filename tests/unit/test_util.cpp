// Test helpers.
#include "test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace r1::test {

std::string make_temp_dir(const std::string& tag) {
  std::string tmpl = ::testing::TempDir() + "r1_" + tag + "_XXXXXX";
  char* p = mkdtemp(tmpl.data());
  if (!p) ADD_FAILURE() << "mkdtemp failed for " << tmpl;
  return tmpl;
}

RunResult run_command(const std::string& cmd) {
  RunResult r;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(f);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

RunResult run_r1(const std::string& args) {
  return run_command(std::string(R1_BINARY) + " " + args);
}

std::string mpirun_r1(int ranks, const std::string& env) {
  std::string exports;
  std::string rest = env;
  while (!rest.empty()) {  // "A=1 B=2" -> -x A=1 -x B=2
    const size_t space = rest.find(' ');
    exports += " -x " + rest.substr(0, space);
    rest = space == std::string::npos ? "" : rest.substr(space + 1);
  }
  return "mpirun --oversubscribe --allow-run-as-root -np " + std::to_string(ranks) + exports + " " +
         R1_BINARY;
}

RunResult run_r1_ranks(int ranks, const std::string& args, const std::string& env) {
  return run_command(mpirun_r1(ranks, env) + " " + args);
}

RunResult run_r1_two_ranks(const std::string& rank0_args, const std::string& rank1_args) {
  return run_command(mpirun_r1(1) + " " + rank0_args + " : -np 1 " + R1_BINARY + " " + rank1_args);
}

SignalledRun run_and_signal_rank1(const std::string& args, const std::string& started,
                                  const std::string& marker, const std::string& signal,
                                  const std::string& dir) {
  const std::string log_path = dir + "/" + signal + ".log", script = dir + "/" + signal + ".sh";
  std::ofstream(script) << mpirun_r1(2, "R1_COMM_TIMEOUT=3") << " " << args << " > " << log_path
                        << " 2>&1 &\n"
                        << "run=$!\n"
                        << "for i in $(seq 100); do\n"
                        << "  [ \"$(grep -c '" << started << "' " << log_path
                        << ")\" = 2 ] && break; sleep 0.1\n"
                        << "done\nsleep 0.5\n"
                        << "for p in $(grep -l -a -- '" << marker << "' /proc/[0-9]*/cmdline); do\n"
                        << "  e=${p%cmdline}environ\n"
                        << "  grep -q -a 'OMPI_COMM_WORLD_RANK=1' $e 2>/dev/null && "
                           "pid=$(echo $p | cut -d/ -f3)\n"
                        << "done\n"
                        << "kill -" << signal << " $pid\nwait $run\necho exit=$?\n";
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = run_command("bash " + script);
  SignalledRun out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.exited_zero = r.out.find("exit=0") != std::string::npos;
  std::ifstream log(log_path);
  out.log.assign(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>());
  return out;
}

double max_relative_error(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  if (a.shape != b.shape) return INFINITY;
  double max_err = 0.0, max_ref = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    max_err = std::max(max_err, double(std::fabs(a.f32()[i] - b.f32()[i])));
    max_ref = std::max(max_ref, double(std::fabs(b.f32()[i])));
  }
  return max_err / std::max(max_ref, 1e-30);
}

WeightMatrix random_matrix(DType dtype, int64_t out, int64_t in, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Tensor f = Tensor::zeros(DType::F32, {out, in});
  for (int64_t i = 0; i < f.numel(); ++i) f.f32()[i] = normal(rng);
  WeightMatrix m;
  if (dtype == DType::F32) {
    m.w = f;
  } else if (dtype == DType::F8_E4M3) {
    m.w = Tensor::zeros(DType::F8_E4M3, {out, in});
    for (int64_t i = 0; i < f.numel(); ++i)
      m.w.as<uint8_t>()[i] = f32_to_fp8_e4m3(f.f32()[i] * 100.0f);
    m.block_rows = 16;
    m.block_cols = 32;
    m.scale_inv = Tensor::zeros(DType::F32, {(out + 15) / 16, (in + 31) / 32});
    for (int64_t i = 0; i < m.scale_inv.numel(); ++i) m.scale_inv.f32()[i] = 0.01f * (1 + i % 5);
  } else {
    m.w = cast_from_f32(f, dtype);  // bf16/f16 rounding or q8_0/q4_0 blocks
  }
  return m;
}

}  // namespace r1::test
