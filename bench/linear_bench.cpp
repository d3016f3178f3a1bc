// Throughput of linear() (y = x W^T) per weight format and token count, next to the f32 sgemm
// of the same shape on a pre-dequantised copy (the peak a dequantise-then-sgemm path could
// reach): GFLOP/s = 2 * out * in * T / time and weight GB/s = bytes of W / time, best of several
// runs. q8_0/q4_0 run in the stored layout and in the decode layout (8 rows interleaved, where
// the CPU has its kernels).
// Usage: r1_linear_bench [threads=all] [out=2048] [in=2048] [tokens=1,4,8,16,64,256]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "core/weight_matrix.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/linear.h"

namespace {

template <typename F>
double best_seconds(F&& f) {
  double best = 1e30;
  for (int rep = 0, done = 0; rep < 50 && (rep < 3 || done < 1); ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, s);
    done += s > 0.2;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 0;
  const int64_t out = argc > 2 ? std::atoll(argv[2]) : 2048, in = argc > 3 ? std::atoll(argv[3]) : 2048;
  std::vector<int64_t> token_counts;
  std::stringstream list(argc > 4 ? argv[4] : "1,4,8,16,64,256");
  for (std::string item; std::getline(list, item, ',');) token_counts.push_back(std::atoll(item.c_str()));
  if (threads > 0) r1::set_compute_threads(threads);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  r1::Tensor f = r1::Tensor::zeros(r1::DType::F32, {out, in});
  for (int64_t i = 0; i < f.numel(); ++i) f.f32()[i] = normal(rng);
  std::printf("threads %d, W [%lld, %lld]\n| format | T | ms | GFLOP/s | weight GB/s | f32 sgemm GFLOP/s |\n|---|---:|---:|---:|---:|---:|\n",
              r1::default_threads(), static_cast<long long>(out), static_cast<long long>(in));
  std::vector<r1::WeightMatrix> formats;
  for (r1::DType dtype : {r1::DType::F32, r1::DType::BF16, r1::DType::Q8_0, r1::DType::Q4_0}) {
    r1::WeightMatrix W;
    W.w = dtype == r1::DType::F32 ? f : r1::cast_from_f32(f, dtype);
    formats.push_back(W);
    const r1::WeightMatrix decode = r1::to_decode_layout(W);
    if (decode.w.dtype != dtype) formats.push_back(decode);
  }
  for (const r1::WeightMatrix& W : formats) {
    const r1::Tensor dense = r1::to_f32(W.w);
    for (int64_t T : token_counts) {
      std::vector<float> x(size_t(T * in)), y(size_t(T * out));
      for (float& v : x) v = normal(rng);
      const double s = best_seconds([&] { r1::linear(x.data(), T, W, nullptr, y.data()); });
      const double s_ref = best_seconds(
          [&] { r1::gemm_f32(x.data(), dense.f32(), y.data(), T, out, in, true); });
      const double flop = 2.0 * double(out) * double(in) * double(T);
      std::printf("| %s | %lld | %.3f | %.1f | %.1f | %.1f |\n", r1::dtype_name(W.w.dtype),
                  static_cast<long long>(T), s * 1e3, flop / s / 1e9,
                  double(W.w.nbytes()) / s / 1e9, flop / s_ref / 1e9);
    }
  }
  return 0;
}
