// Throughput of linear() (y = x W^T) per weight format and token count, next to the f32 sgemm
// of the same shape on a pre-dequantised copy (the peak a dequantise-then-sgemm path could
// reach): GFLOP/s = 2 * out * in * T / time and weight GB/s = bytes of W / time, best of several
// runs. q8_0/q4_0 run in the stored layout and in the decode layout (8 rows interleaved, where
// the CPU has its kernels). The k-quants and IQ4_XS are random super-blocks (random bytes, fp16
// scales of 0.01). Block formats also report the dequantise-by-panels + sgemm path, the baseline
// of their int8 kernels. For decode figures use a matrix well beyond the last-level cache.
// Usage: r1_linear_bench [threads=all] [out=2048] [in=2048] [tokens=1,4,8,16,64,256]
//        [formats=all, e.g. q4_k,q6_k]
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/kquant_blocks.h"
#include "core/kquant_dequant.h"
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

// [out, in] super-blocks of random bytes whose fp16 d (and dmin) are 0.01.
r1::WeightMatrix random_kquant(r1::DType dtype, int64_t out, int64_t in, std::mt19937& rng) {
  r1::WeightMatrix W;
  W.w = r1::Tensor::zeros(dtype, {out, in});
  uint8_t* bytes = W.w.as<uint8_t>();
  for (size_t i = 0; i < W.w.nbytes(); ++i) bytes[i] = uint8_t(rng());
  const size_t block = r1::dtype_block_bytes(dtype);
  using namespace r1;
  size_t d_at = 0, dmin_at = 0;  // offsets of the fp16 scales (dmin_at 0: none)
  switch (dtype) {
    case DType::Q2_K:
      d_at = offsetof(block_q2_K, d), dmin_at = offsetof(block_q2_K, dmin);
      break;
    case DType::Q3_K: d_at = offsetof(block_q3_K, d); break;
    case DType::Q4_K: dmin_at = offsetof(block_q4_K, dmin); break;
    case DType::Q5_K: dmin_at = offsetof(block_q5_K, dmin); break;
    case DType::Q6_K: d_at = offsetof(block_q6_K, d); break;
    default: break;  // IQ4_XS: d first
  }
  const uint16_t h = r1::f32_to_f16(0.01f);
  for (size_t b = 0; b < W.w.nbytes() / block; ++b) {
    std::memcpy(bytes + b * block + d_at, &h, 2);
    if (dmin_at) std::memcpy(bytes + b * block + dmin_at, &h, 2);
  }
  return W;
}

bool wanted(const std::string& list, r1::DType dtype) {
  if (list == "all") return true;
  std::string name = r1::dtype_name(dtype);
  for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  std::stringstream items(list);
  for (std::string item; std::getline(items, item, ',');)
    if (item == name) return true;
  return false;
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
  const std::string format_list = argc > 5 ? argv[5] : "all";
  std::printf("threads %d, W [%lld, %lld]\n| format | T | ms | GFLOP/s | weight GB/s | f32 sgemm GFLOP/s | dequant+sgemm GFLOP/s |\n|---|---:|---:|---:|---:|---:|---:|\n",
              r1::default_threads(), static_cast<long long>(out), static_cast<long long>(in));
  std::vector<r1::WeightMatrix> formats;
  for (r1::DType dtype : {r1::DType::F32, r1::DType::BF16, r1::DType::Q8_0, r1::DType::Q4_0,
                          r1::DType::Q2_K, r1::DType::Q3_K, r1::DType::Q4_K, r1::DType::Q5_K,
                          r1::DType::Q6_K, r1::DType::IQ4_XS}) {
    if (!wanted(format_list, dtype)) continue;
    r1::WeightMatrix W;
    if (r1::is_kquant(dtype)) {
      W = random_kquant(dtype, out, in, rng);
    } else {
      W.w = dtype == r1::DType::F32 ? f : r1::cast_from_f32(f, dtype);
    }
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
      std::string panels = "-";
      if (W.w.dtype != r1::DType::F32 && T > r1::kGemvMaxTokens) {
        const double s_panels = best_seconds(
            [&] { r1::linear_dequant_sgemm(x.data(), T, W, y.data()); });
        panels = std::to_string(flop / s_panels / 1e9);
        panels.resize(panels.find('.') + 2);
      }
      std::printf("| %s | %lld | %.3f | %.1f | %.1f | %.1f | %s |\n", r1::dtype_name(W.w.dtype),
                  static_cast<long long>(T), s * 1e3, flop / s / 1e9,
                  double(W.w.nbytes()) / s / 1e9, flop / s_ref / 1e9, panels.c_str());
    }
  }
  return 0;
}
