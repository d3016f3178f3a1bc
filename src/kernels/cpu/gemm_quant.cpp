// Tiled int8 GEMM: a tile of kTileRows weight rows x kTileTokens tokens keeps its 16 partial
// sums in registers while the blocks stream by, so each weight block is loaded once per four
// tokens and each activation block once per four rows. With AVX-512 VNNI the dot product of a
// block pair is one vpdpbusd on the activations offset to unsigned (a + 128), the offset
// removed by starting the sum at -128 * sum(w); with plain AVX2 it is the maddubs sign trick.
// Tokens are processed in groups whose activations fit in L2 while the rows sweep past.
#include "kernels/cpu/gemm_quant.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/quant_blocks.h"
#include "core/thread_pool.h"
#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/simd_blocks.h"

#if defined(R1_SIMD_AVX2) && defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define R1_GEMM_VNNI 1
#endif

namespace r1 {

namespace {

constexpr int kTileRows = 4;
constexpr int kTileTokens = 4;

#ifdef R1_SIMD_AVX2

// y[c * ldy + r] = W[row r] . act[token c] for R rows (blocks w[r] + b) and C tokens.
template <typename Block, int R, int C>
void tile(const Block* const* w, const ActBlock* const* a, int64_t nb, float* y, int64_t ldy) {
  __m256 acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    __m256i wv[R];
    __m256 wd[R];
#ifdef R1_GEMM_VNNI
    __m256i start[R];  // -128 * (sum of w over each lane's 4 bytes)
#endif
    for (int r = 0; r < R; ++r) {
      wv[r] = simd::block_values(w[r][b]);
      wd[r] = _mm256_set1_ps(_cvtsh_ss(w[r][b].d));
#ifdef R1_GEMM_VNNI
      start[r] = _mm256_sub_epi32(
          _mm256_setzero_si256(),
          _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(char(0x80)), wv[r]));
#endif
    }
    for (int c = 0; c < C; ++c) {
      const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[c][b].qs));
      const __m256 ad = _mm256_set1_ps(a[c][b].d);
#ifdef R1_GEMM_VNNI
      const __m256i au = _mm256_xor_si256(av, _mm256_set1_epi8(char(0x80)));  // a + 128
#endif
      for (int r = 0; r < R; ++r) {
#ifdef R1_GEMM_VNNI
        const __m256i dot = _mm256_dpbusd_epi32(start[r], au, wv[r]);
#else
        const __m256i dot = simd::int8_dot_i32(wv[r], av);
#endif
        acc[r][c] =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(wd[r], ad), acc[r][c]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) y[c * ldy + r] = simd::hsum(acc[r][c]);
}

#else

template <typename Block>
int value(const Block& b, int j) {
  if constexpr (std::is_same_v<Block, block_q4_0>) {
    return (j < 16 ? b.qs[j] & 0x0f : b.qs[j - 16] >> 4) - 8;
  } else {
    return b.qs[j];
  }
}

template <typename Block, int R, int C>
void tile(const Block* const* w, const ActBlock* const* a, int64_t nb, float* y, int64_t ldy) {
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) {
      float sum = 0.0f;
      for (int64_t b = 0; b < nb; ++b) {
        int32_t dot = 0;
        for (int j = 0; j < 32; ++j) dot += value(w[r][b], j) * a[c][b].qs[j];
        sum += float(dot) * (f16_to_f32(w[r][b].d) * a[c][b].d);
      }
      y[c * ldy + r] = sum;
    }
}

#endif

// One row group (R rows) against C tokens.
template <typename Block, int R>
void tile_tokens(const Block* const* w, const ActBlock* const* a, int C, int64_t nb, float* y,
                 int64_t ldy) {
  switch (C) {
    case 4: return tile<Block, R, 4>(w, a, nb, y, ldy);
    case 3: return tile<Block, R, 3>(w, a, nb, y, ldy);
    case 2: return tile<Block, R, 2>(w, a, nb, y, ldy);
    default: return tile<Block, R, 1>(w, a, nb, y, ldy);
  }
}

// Rows [r0, r1) of y for all T tokens: token groups sized so their activation blocks stay in
// L2 while every row group of the range passes over them.
template <typename Block>
void rows_range(const ActBlock* act, int64_t T, const WeightMatrix& W, int64_t r0, int64_t r1,
                float* y, int64_t ldy) {
  const int64_t nb = W.cols() / 32;
  const Block* blocks = W.w.as<Block>();
  const int64_t group = std::max<int64_t>(
      kTileTokens, (256 * 1024 / int64_t(sizeof(ActBlock) * nb)) / kTileTokens * kTileTokens);
  for (int64_t t0 = 0; t0 < T; t0 += group) {
    const int64_t t1 = std::min(T, t0 + group);
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = int(std::min<int64_t>(kTileRows, r1 - r));
      const Block* w[kTileRows];
      for (int i = 0; i < kTileRows; ++i) w[i] = blocks + std::min(r + i, r1 - 1) * nb;
      for (int64_t t = t0; t < t1; t += kTileTokens) {
        const int C = int(std::min<int64_t>(kTileTokens, t1 - t));
        const ActBlock* a[kTileTokens];
        for (int i = 0; i < kTileTokens; ++i) a[i] = act + std::min(t + i, t1 - 1) * nb;
        float* yt = y + t * ldy + r;
        if (rows == kTileRows) {
          tile_tokens<Block, kTileRows>(w, a, C, nb, yt, ldy);
        } else {
          for (int i = 0; i < rows; ++i) tile_tokens<Block, 1>(w + i, a, C, nb, yt + i, ldy);
        }
      }
    }
  }
}

}  // namespace

void gemm_quant(const float* x, int64_t T, const WeightMatrix& W, float* y) {
  const int64_t in = W.cols(), out = W.rows();
  R1_ASSERT_MSG(W.w.dtype == DType::Q8_0 || W.w.dtype == DType::Q4_0,
                "gemm_quant: weights must be q8_0 or q4_0");
  R1_ASSERT(in % 32 == 0);
  thread_local std::vector<ActBlock> act;
  quantize_activations(x, in, T, in, act);
  const ActBlock* blocks = act.data();  // this thread's buffer, read by all workers
  auto rows = [&](int64_t r0, int64_t r1) {
    if (W.w.dtype == DType::Q8_0) {
      rows_range<block_q8_0>(blocks, T, W, r0, r1, y, out);
    } else {
      rows_range<block_q4_0>(blocks, T, W, r0, r1, y, out);
    }
  };
  if (out * in * T < (int64_t(1) << 16)) return rows(0, out);
  default_thread_pool().parallel_for(out, kTileRows, rows);
}

}  // namespace r1
