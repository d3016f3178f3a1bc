// The int8 dot-product peak, the roofline of quantised prefill: each thread of the kernels'
// pool runs independent chains of vpdpbusd (64 multiply-adds per zmm instruction with AVX-512
// VNNI, else 32 per ymm instruction with AVX-VNNI or maddubs+madd pairs with plain AVX2) on
// register operands for a fixed time; GOP/s counts 2 ops per multiply-add, best of several passes.
// Usage: r1_int8_peak_bench [threads=all] [passes=5]
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/thread_pool.h"

namespace {

constexpr int kChains = 12;         // independent accumulators: hides the instruction latency
constexpr int64_t kIters = 1 << 21;  // per pass and thread

#if defined(__AVX512F__) && defined(__AVX512VNNI__)
constexpr const char* kInstruction = "vpdpbusd zmm";
constexpr int kMacsPerOp = 64;
int32_t run_chains(int32_t seed) {
  __m512i acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(seed + c);
  const __m512i a = _mm512_set1_epi8(char(seed | 1)), b = _mm512_set1_epi8(3);
  for (int64_t i = 0; i < kIters; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
  __m512i s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm512_add_epi32(s, acc[c]);
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, s);
  return lanes[0];
}
#else
constexpr const char* kInstruction = "vpmaddubsw+vpmaddwd ymm";
constexpr int kMacsPerOp = 32;
int32_t run_chains(int32_t seed) {
  __m256i acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_epi32(seed + c);
  const __m256i a = _mm256_set1_epi8(char(seed | 1)), b = _mm256_set1_epi8(3);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t i = 0; i < kIters; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm256_add_epi32(acc[c], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
  __m256i s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm256_add_epi32(s, acc[c]);
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  return lanes[0];
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) r1::set_default_threads(std::atoi(argv[1]));
  const int passes = argc > 2 ? std::atoi(argv[2]) : 5;
  r1::ThreadPool& pool = r1::default_thread_pool();
  const int threads = pool.threads();
  std::atomic<int32_t> sink{0};
  double best = 0;
  for (int p = 0; p < passes; ++p) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.run(threads, [&](int64_t t) { sink += run_chains(int32_t(t + p)); });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 2.0 * kMacsPerOp * kChains * double(kIters) * threads / s / 1e9);
  }
  std::printf("int8 dot-product peak: %.1f GOP/s (%s, %d threads, best of %d)\n", best,
              kInstruction, threads, passes);
  return sink.load() == 42;  // keeps the sums alive
}
