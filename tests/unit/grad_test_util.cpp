#include "grad_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "io/npy.h"

namespace r1::test {

std::vector<float> random_floats(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

std::vector<double> to_double(const std::vector<float>& v) {
  return {v.begin(), v.end()};
}

double finite_difference_error(const ScalarFn& f, const std::vector<double>& x,
                               const std::vector<float>& analytic,
                               const std::vector<int64_t>& probe, double eps) {
  EXPECT_EQ(x.size(), analytic.size());
  std::vector<int64_t> indices = probe;
  if (indices.empty()) {
    indices.resize(x.size());
    std::iota(indices.begin(), indices.end(), int64_t(0));
  }
  double max_ref = 0.0, max_err = 0.0;
  for (float g : analytic) max_ref = std::max(max_ref, double(std::fabs(g)));
  std::vector<double> xp = x;
  for (int64_t i : indices) {
    const double x0 = xp[size_t(i)];
    xp[size_t(i)] = x0 + eps;
    const double up = f(xp);
    xp[size_t(i)] = x0 - eps;
    const double down = f(xp);
    xp[size_t(i)] = x0;
    max_err = std::max(max_err, std::fabs((up - down) / (2 * eps) - analytic[size_t(i)]));
  }
  return max_err / std::max(max_ref, 1e-30);
}

std::vector<int64_t> sample_indices(int64_t n, int64_t count, uint32_t seed) {
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), int64_t(0));
  if (count >= n) return all;
  std::mt19937 rng(seed);
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(static_cast<size_t>(count));
  return all;
}

double dot(const std::vector<double>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double max_err = 0.0, max_ref = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    max_err = std::max(max_err, double(std::fabs(a[i] - b[i])));
    max_ref = std::max(max_ref, double(std::fabs(b[i])));
  }
  return max_err / std::max(max_ref, 1e-30);
}

void expect_close(const std::string& what, const std::vector<float>& got,
                  const std::vector<float>& want, double rtol) {
  const double err = max_relative_error(got, want);
  std::printf("[ %-28s ] max rel err %.2e (tolerance %.0e)\n", what.c_str(), err, rtol);
  EXPECT_LE(err, rtol) << what;
}

std::vector<float> GradCase::f32(const std::string& name) const {
  const Tensor t = read_npy(dir + "/" + name + ".npy");
  EXPECT_EQ(t.dtype, DType::F32) << dir << "/" << name;
  return {t.f32(), t.f32() + t.numel()};
}

std::vector<int32_t> GradCase::i32(const std::string& name) const {
  const Tensor t = read_npy(dir + "/" + name + ".npy");
  EXPECT_EQ(t.dtype, DType::I32) << dir << "/" << name;
  return {t.as<int32_t>(), t.as<int32_t>() + t.numel()};
}

GradCase load_grad_case(const std::string& name) {
  GradCase c;
  c.name = name;
  c.dir = std::string(R1_GRAD_CASES_DIR) + "/" + name;
  c.params = read_json_file(c.dir + "/params.json");
  return c;
}

}  // namespace r1::test
