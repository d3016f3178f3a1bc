// Test helpers.
#include "test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

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

}  // namespace r1::test
