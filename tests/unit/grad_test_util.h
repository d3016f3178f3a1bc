// Helpers shared by the backward-kernel tests: random inputs, central finite differences of a
// double-precision reference loss, and the PyTorch gradient cases written by
// tests/reference/make_grad_cases.py.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/json_file.h"

namespace r1::test {

// n normal values times `scale`, seeded.
std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f);
std::vector<double> to_double(const std::vector<float>& v);

// A scalar function of one input vector (the other inputs captured), evaluated in double.
using ScalarFn = std::function<double(const std::vector<double>&)>;

// max over the probed indices of |analytic[i] - (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)|,
// divided by max |analytic| over all of it. `probe` empty: every index.
double finite_difference_error(const ScalarFn& f, const std::vector<double>& x,
                               const std::vector<float>& analytic,
                               const std::vector<int64_t>& probe = {}, double eps = 1e-5);

// `count` distinct indices in [0, n), seeded (all of them when count >= n).
std::vector<int64_t> sample_indices(int64_t n, int64_t count, uint32_t seed);

// sum_i a[i] b[i] in double: the scalar loss of an output a under upstream gradient b.
double dot(const std::vector<double>& a, const std::vector<float>& b);

// max|a - b| / max|b|.
double max_relative_error(const std::vector<float>& a, const std::vector<float>& b);

// EXPECT max_relative_error(got, want) <= rtol, printing the error under `what`.
void expect_close(const std::string& what, const std::vector<float>& got,
                  const std::vector<float>& want, double rtol);

// One case directory of make_grad_cases.py.
struct GradCase {
  std::string name, dir;
  Json params;
  std::vector<float> f32(const std::string& name) const;    // <dir>/<name>.npy, float32
  std::vector<int32_t> i32(const std::string& name) const;  // int32
};
GradCase load_grad_case(const std::string& name);

// Tolerance of the f32 kernels against PyTorch's float64 gradients (max-normalised).
constexpr double kTorchRtol = 1e-5;
// Tolerance of the f32 kernels against double finite differences (max-normalised).
constexpr double kFiniteDiffRtol = 1e-4;

}  // namespace r1::test
