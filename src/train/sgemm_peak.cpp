// measure_*_gflops: best-of-N timing (N <= 6, bounded in time) of x W^T on 1024^3, the training forward's product.
#include "train/sgemm_peak.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "core/tensor.h"
#include "kernels/cpu/gemm_bf16.h"
#include "kernels/cpu/linear.h"

namespace r1 {

namespace {

constexpr int64_t kSize = 1024;
constexpr double kBudgetSeconds = 0.3;  // runs after the second stop once this much is spent

// GFLOP/s of the fastest of up to 6 runs of product(a, b, c) on [kSize, kSize] operands
// (at least 2; no third once kBudgetSeconds are spent).
template <typename Product>
double best_gflops(Product&& product) {
  constexpr int64_t n = kSize;
  Tensor a = Tensor::zeros(DType::F32, {n, n}), b = Tensor::zeros(DType::F32, {n, n});
  Tensor c = Tensor::zeros(DType::F32, {n, n});
  for (int64_t i = 0; i < n * n; ++i) {
    a.f32()[i] = float(i % 7) * 0.01f;
    b.f32()[i] = float(i % 5) * 0.02f;
  }
  double best = 1e30, spent = 0.0;
  for (int rep = 0; rep < 6 && (rep < 2 || spent < kBudgetSeconds); ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    product(a.f32(), b.f32(), c.f32());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, seconds);
    spent += seconds;
  }
  return 2.0 * double(n) * double(n) * double(n) / best / 1e9;
}

}  // namespace

double measure_sgemm_gflops() {
  return best_gflops([](const float* a, const float* b, float* c) {
    gemm_f32(a, b, c, kSize, kSize, kSize, /*b_transposed=*/true);
  });
}

double measure_bf16_gemm_gflops() {
  return best_gflops([](const float* a, const float* b, float* c) {
    gemm_bf16({a, kSize, false}, {b, kSize, /*transposed=*/true}, c, kSize, kSize, kSize, kSize);
  });
}

}  // namespace r1
