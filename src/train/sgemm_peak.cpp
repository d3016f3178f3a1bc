// measure_sgemm_gflops: best-of-N timing of gemm_f32 on a 1024^3 product.
#include "train/sgemm_peak.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "core/tensor.h"
#include "kernels/cpu/linear.h"

namespace r1 {

double measure_sgemm_gflops() {
  constexpr int64_t n = 1024;
  Tensor a = Tensor::zeros(DType::F32, {n, n}), b = Tensor::zeros(DType::F32, {n, n});
  Tensor c = Tensor::zeros(DType::F32, {n, n});
  for (int64_t i = 0; i < n * n; ++i) {
    a.f32()[i] = float(i % 7) * 0.01f;
    b.f32()[i] = float(i % 5) * 0.02f;
  }
  double best = 1e30;
  for (int rep = 0; rep < 6; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    gemm_f32(a.f32(), b.f32(), c.f32(), n, n, n, /*b_transposed=*/true);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return 2.0 * double(n) * double(n) * double(n) / best / 1e9;
}

}  // namespace r1
