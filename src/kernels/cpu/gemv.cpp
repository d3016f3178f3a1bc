// GEMV kernels: one dot product per (token, output row), the weight row widened to f32 in
// AVX2 registers (bf16: shift; f16: F16C; fp8: through f16, see dequant.cpp) and accumulated
// with FMA in four independent registers. q8_0/q4_0 weights are dotted in int8 against the
// activations quantised to 8 bits per 32-value block (as llama.cpp does): 32 products per
// maddubs instead of 4 conversions. Without AVX2 a row is dequantised and dotted.
#include "kernels/cpu/gemv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/kquant_dequant.h"
#include "core/kquant_rows8.h"
#include "core/quant_blocks.h"
#include "core/quant_rows8.h"
#include "core/thread_pool.h"
#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/gemv_kquant.h"
#include "kernels/cpu/simd_blocks.h"

namespace r1 {

namespace {

#ifdef R1_SIMD_AVX2

using simd::block_values;
using simd::hsum;

inline __m256 load_f32(const float* w) { return _mm256_loadu_ps(w); }
inline __m256 load_bf16(const uint16_t* w) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
inline __m256 load_f16(const uint16_t* w) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}
// fp8 e4m3 -> f32 / 256 (the caller folds 2^8 into the block scale).
inline __m256 load_fp8(const uint8_t* w) {
  const __m128i b = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w)));
  const __m128i h = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(b, _mm_set1_epi16(0x80)), 8),
                                 _mm_slli_epi16(_mm_and_si128(b, _mm_set1_epi16(0x7f)), 7));
  return _mm256_cvtph_ps(h);
}

// Tokens that share one pass over a weight row in rows_plain(): 4 accumulators per token plus 4
// widened weights need 20 vector registers (AVX-512VL has 32); plain AVX2 has 16.
#ifdef __AVX512VL__
constexpr int kTileTokens = 4;
#else
constexpr int kTileTokens = 2;
#endif

// lanes[t] = sum_i widen(w[i]) * x[t * ldx + i] over the first n / 8 * 8 elements as 8 lanes,
// for NT tokens, each 32 weights widened once for all of them (`Load` widens 8). Every token's
// sum is the same sequence of operations whatever NT is (four 8-lane FMA chains over i, added
// pairwise), so a token's result does not depend on the batch it came in.
template <int NT, typename W, typename Load>
void dot_lanes_tokens(const W* w, int64_t n, const float* x, int64_t ldx, Load load,
                      __m256* lanes) {
  __m256 a[NT][4];
  for (int t = 0; t < NT; ++t)
    for (int j = 0; j < 4; ++j) a[t][j] = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 w0 = load(w + i), w1 = load(w + i + 8), w2 = load(w + i + 16),
                 w3 = load(w + i + 24);
    for (int t = 0; t < NT; ++t) {
      const float* xt = x + t * ldx + i;
      a[t][0] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xt), a[t][0]);
      a[t][1] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xt + 8), a[t][1]);
      a[t][2] = _mm256_fmadd_ps(w2, _mm256_loadu_ps(xt + 16), a[t][2]);
      a[t][3] = _mm256_fmadd_ps(w3, _mm256_loadu_ps(xt + 24), a[t][3]);
    }
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 w0 = load(w + i);
    for (int t = 0; t < NT; ++t)
      a[t][0] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + t * ldx + i), a[t][0]);
  }
  for (int t = 0; t < NT; ++t)
    lanes[t] = _mm256_add_ps(_mm256_add_ps(a[t][0], a[t][1]), _mm256_add_ps(a[t][2], a[t][3]));
}

// dot_lanes_tokens for one token.
template <typename W, typename Load>
__m256 dot_lanes(const W* w, const float* x, int64_t n, Load load) {
  __m256 lanes;
  dot_lanes_tokens<1>(w, n, x, 0, load, &lanes);
  return lanes;
}

// y[t * ldy] = sum_i widen(w[i]) * x[t * ldx + i] for NT tokens: the lanes' horizontal sum, then
// the scalar tail (`Tail` widens one weight).
template <int NT, typename W, typename Load, typename Tail>
void dot_tokens(const W* w, int64_t in, const float* x, int64_t ldx, Load load, Tail tail,
                float* y, int64_t ldy) {
  __m256 lanes[NT];
  dot_lanes_tokens<NT>(w, in, x, ldx, load, lanes);
  for (int t = 0; t < NT; ++t) {
    const float* xt = x + t * ldx;
    float s = hsum(lanes[t]);
    for (int64_t k = in / 8 * 8; k < in; ++k) s += tail(w[k]) * xt[k];
    y[t * ldy] = s;
  }
}

// Rows [r0, r1) of a row-major matrix of plain values (f32, bf16, f16) for T tokens: a block of
// rows (~16 KiB) stays in L1 while every group of tokens passes over it.
template <typename W, typename Load, typename Tail>
void rows_plain(const W* weights, int64_t in, const float* x, int64_t ldx, int64_t T, int64_t r0,
                int64_t r1, float* y, int64_t ldy, Load load, Tail tail) {
  const int64_t block = std::max<int64_t>(1, 16384 / (in * int64_t(sizeof(W))));
  for (int64_t b0 = r0; b0 < r1; b0 += block) {
    const int64_t b1 = std::min(r1, b0 + block);
    for (int64_t t0 = 0; t0 < T; t0 += kTileTokens) {
      const float* xt = x + t0 * ldx;
      for (int64_t r = b0; r < b1; ++r) {
        const W* w = weights + r * in;
        float* yt = y + t0 * ldy + r - r0;
        switch (std::min<int64_t>(kTileTokens, T - t0)) {
          case 1: dot_tokens<1>(w, in, xt, ldx, load, tail, yt, ldy); break;
          case 2: dot_tokens<2>(w, in, xt, ldx, load, tail, yt, ldy); break;
          case 3: dot_tokens<3>(w, in, xt, ldx, load, tail, yt, ldy); break;
          default: dot_tokens<kTileTokens>(w, in, xt, ldx, load, tail, yt, ldy);
        }
      }
    }
  }
}

float fp8_tail(uint8_t v) { return fp8_e4m3_to_f32(v) / 256.0f; }

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define R1_GEMV_ROWS8 1

// The weight block as unsigned bytes u and the offset: w = u - offset (q8_0: w + 128, q4_0:
// the nibbles as stored, offset 8).
template <typename Block>
inline __m256i unsigned_values(const Block& b) {
  if constexpr (std::is_same_v<Block, block_q4_0>) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed),
                            _mm256_set1_epi8(0x0f));
  } else {
    return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)),
                            _mm256_set1_epi8(char(0x80)));
  }
}

template <typename Block>
constexpr int32_t weight_offset() {
  return std::is_same_v<Block, block_q4_0> ? 8 : 128;
}

// One weight row against T tokens: per block, each token's 32 products are one vpdpbusd of the
// weights made unsigned (u = w + offset) with the signed activations, started at
// -offset * sum(a) so the lanes add up to w . a; two accumulators per token hide the FMA
// latency.
constexpr int kPrefetchBytes = 2048;

template <typename Block, int T>
void row_blocks(const Block* w, const ActBlock* a, int64_t nb, float* y, int64_t ldy) {
  __m256 acc[2][T];
  for (int u = 0; u < 2; ++u)
    for (int t = 0; t < T; ++t) acc[u][t] = _mm256_setzero_ps();
  auto block = [&](int64_t b, int u) {
    _mm_prefetch(reinterpret_cast<const char*>(w + b) + kPrefetchBytes, _MM_HINT_T0);
    const __m256i wu = unsigned_values(w[b]);
    const __m256 wd = _mm256_set1_ps(_cvtsh_ss(w[b].d));
    for (int t = 0; t < T; ++t) {
      const ActBlock& ab = a[t * nb + b];
      const __m256i start =
          _mm256_zextsi128_si256(_mm_cvtsi32_si128(-weight_offset<Block>() * ab.sum));
      const __m256i dot = _mm256_dpbusd_epi32(
          start, wu, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ab.qs)));
      acc[u][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(wd, _mm256_set1_ps(ab.d)),
                                  acc[u][t]);
    }
  };
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    block(b, 0);
    block(b + 1, 1);
  }
  if (b < nb) block(b, 0);
  for (int t = 0; t < T; ++t) y[t * ldy] = hsum(_mm256_add_ps(acc[0][t], acc[1][t]));
}

template <typename Block>
void rows_blocks(const ActBlock* act, int64_t T, const WeightMatrix& W, int64_t r0, int64_t r1,
                 float* y, int64_t ldy) {
  const int64_t nb = W.cols() / 32;
  const Block* blocks = W.w.as<Block>();
  for (int64_t r = r0; r < r1; ++r) {
    const Block* w = blocks + r * nb;
    float* yr = y + r - r0;
    switch (T) {
      case 1: row_blocks<Block, 1>(w, act, nb, yr, ldy); break;
      case 2: row_blocks<Block, 2>(w, act, nb, yr, ldy); break;
      case 3: row_blocks<Block, 3>(w, act, nb, yr, ldy); break;
      default:
        for (int64_t t0 = 0; t0 < T; t0 += 4) {
          const int64_t n = std::min<int64_t>(4, T - t0);
          if (n == 4) {
            row_blocks<Block, 4>(w, act + t0 * nb, nb, yr + t0 * ldy, ldy);
          } else {
            for (int64_t t = t0; t < T; ++t)
              row_blocks<Block, 1>(w, act + t * nb, nb, yr + t * ldy, ldy);
          }
        }
    }
  }
}

// Chunk j of 8 interleaved rows as unsigned bytes, one row per int32 lane (q8_0: w + 128;
// q4_0: the low nibbles for j < 4, the high ones for j >= 4, the nibble order of block_q4_0).
template <typename BlockX8, int J>
inline __m256i chunk_values(const BlockX8& b) {
  if constexpr (std::is_same_v<BlockX8, block_q4_0x8>) {
    const __m256i packed =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + (J % 4) * 32));
    const __m256i nibbles = J < 4 ? packed : _mm256_srli_epi16(packed, 4);
    return _mm256_and_si256(nibbles, _mm256_set1_epi8(0x0f));
  } else {
    return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + J * 32)),
                            _mm256_set1_epi8(char(0x80)));
  }
}

template <typename BlockX8, int... J>
inline void unpack_chunks(const BlockX8& b, __m256i* w, std::integer_sequence<int, J...>) {
  ((w[J] = chunk_values<BlockX8, J>(b)), ...);
}

// 8 interleaved rows against T tokens: per block, token t's dot products for all 8 rows build
// up in the lanes of one register (8 vpdpbusd of a chunk of every row against 4 activation
// bytes broadcast), so the block's 8 row scales apply with one multiply and nothing is summed
// horizontally.
template <typename BlockX8, int T>
void rows8_blocks(const BlockX8* w, const ActBlock* a, int64_t nb, float* y, int64_t ldy) {
  using Block = std::conditional_t<std::is_same_v<BlockX8, block_q4_0x8>, block_q4_0, block_q8_0>;
  constexpr int offset = weight_offset<Block>();
  __m256 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const char* next = reinterpret_cast<const char*>(w + b) + kPrefetchBytes;
    for (size_t line = 0; line < sizeof(BlockX8); line += 64) _mm_prefetch(next + line, _MM_HINT_T0);
    __m256i wv[8];
    unpack_chunks(w[b], wv, std::make_integer_sequence<int, 8>());
    const __m256 wd = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].d)));
    for (int t = 0; t < T; ++t) {
      const ActBlock& ab = a[t * nb + b];
      int32_t q[8];
      std::memcpy(q, ab.qs, sizeof(q));
      __m256i dot = _mm256_set1_epi32(-offset * ab.sum);
      for (int j = 0; j < 8; ++j) dot = _mm256_dpbusd_epi32(dot, wv[j], _mm256_set1_epi32(q[j]));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(wd, _mm256_set1_ps(ab.d)),
                               acc[t]);
    }
  }
  for (int t = 0; t < T; ++t) _mm256_storeu_ps(y + t * ldy, acc[t]);
}

// Rows [r0, r1) (multiples of 8) of an interleaved matrix for T tokens.
template <typename BlockX8>
void rows_blocks_x8(const ActBlock* act, int64_t T, const WeightMatrix& W, int64_t r0,
                    int64_t r1, float* y, int64_t ldy) {
  R1_ASSERT_MSG(r0 % kInterleavedRows == 0 && r1 % kInterleavedRows == 0,
                "gemv: interleaved rows are read in groups of 8");
  const int64_t nb = W.cols() / 32;
  const BlockX8* groups = W.w.as<BlockX8>();
  for (int64_t r = r0; r < r1; r += kInterleavedRows) {
    const BlockX8* w = groups + r / kInterleavedRows * nb;
    float* yr = y + r - r0;
    for (int64_t t0 = 0; t0 < T; t0 += 4) {
      const ActBlock* at = act + t0 * nb;
      float* yt = yr + t0 * ldy;
      switch (std::min<int64_t>(4, T - t0)) {
        case 1: rows8_blocks<BlockX8, 1>(w, at, nb, yt, ldy); break;
        case 2: rows8_blocks<BlockX8, 2>(w, at, nb, yt, ldy); break;
        case 3: rows8_blocks<BlockX8, 3>(w, at, nb, yt, ldy); break;
        default: rows8_blocks<BlockX8, 4>(w, at, nb, yt, ldy);
      }
    }
  }
}

#else

inline __m256 int8_dot(__m256i w, __m256i a) {
  return _mm256_cvtepi32_ps(simd::int8_dot_i32(w, a));
}

template <typename Block>
float dot_blocks(const Block* w, const ActBlock* a, int64_t nb) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const __m256 d0 = _mm256_set1_ps(_cvtsh_ss(w[b].d) * a[b].d);
    const __m256 d1 = _mm256_set1_ps(_cvtsh_ss(w[b + 1].d) * a[b + 1].d);
    const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[b].qs));
    const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[b + 1].qs));
    acc0 = _mm256_fmadd_ps(int8_dot(block_values(w[b]), a0), d0, acc0);
    acc1 = _mm256_fmadd_ps(int8_dot(block_values(w[b + 1]), a1), d1, acc1);
  }
  for (; b < nb; ++b) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(w[b].d) * a[b].d);
    const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[b].qs));
    acc0 = _mm256_fmadd_ps(int8_dot(block_values(w[b]), av), d, acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

template <typename Block>
void rows_blocks(const ActBlock* act, int64_t T, const WeightMatrix& W, int64_t r0, int64_t r1,
                 float* y, int64_t ldy) {
  const int64_t nb = W.cols() / 32;
  const Block* blocks = W.w.as<Block>();
  for (int64_t r = r0; r < r1; ++r)
    for (int64_t t = 0; t < T; ++t)
      y[t * ldy + r - r0] = dot_blocks(blocks + r * nb, act + t * nb, nb);
}

#endif

#endif

// Any format dequantize_rows reads, one row at a time: the fallback for formats without a fused
// kernel (and every format without AVX2).
void rows_dequantised(const float* x, int64_t ldx, int64_t T, const WeightMatrix& W, int64_t r0,
                      int64_t r1, float* y, int64_t ldy) {
  const int64_t in = W.cols();
  std::vector<float> row(static_cast<size_t>(in));
  for (int64_t r = r0; r < r1; ++r) {
    dequantize_rows(W, r, r + 1, row.data());
    for (int64_t t = 0; t < T; ++t) {
      float s = 0.0f;
      for (int64_t i = 0; i < in; ++i) s += row[size_t(i)] * x[t * ldx + i];
      y[t * ldy + r - r0] = s;
    }
  }
}

#ifdef R1_SIMD_AVX2

// Rows [r0, r1) of y = x W^T for one weight format, all T tokens per row: token t's row of x
// starts at x + t * ldx, its output for row r at y[t * ldy + r - r0].
void rows_avx2(const float* x, int64_t ldx, int64_t T, const WeightMatrix& W, int64_t r0,
               int64_t r1, float* y, int64_t ldy) {
  const int64_t in = W.cols();
  switch (W.w.dtype) {
    // Lambdas, not function pointers: each is its own type, so the loads inline into the tile.
    case DType::F32:
      return rows_plain(W.w.f32(), in, x, ldx, T, r0, r1, y, ldy,
                        [](const float* w) { return load_f32(w); }, [](float v) { return v; });
    case DType::BF16:
      return rows_plain(W.w.as<uint16_t>(), in, x, ldx, T, r0, r1, y, ldy,
                        [](const uint16_t* w) { return load_bf16(w); },
                        [](uint16_t v) { return bf16_to_f32(v); });
    case DType::F16:
      return rows_plain(W.w.as<uint16_t>(), in, x, ldx, T, r0, r1, y, ldy,
                        [](const uint16_t* w) { return load_f16(w); },
                        [](uint16_t v) { return f16_to_f32(v); });
    case DType::F8_E4M3: {
      const int64_t bc = W.block_cols, scale_cols = W.scale_inv.dim(1);
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* row = W.w.as<uint8_t>() + r * in;
        const float* scales = W.scale_inv.f32() + (r / W.block_rows) * scale_cols;
        for (int64_t t = 0; t < T; ++t) {
          // Scaled lanes per block, one horizontal sum per row.
          __m256 lanes = _mm256_setzero_ps();
          float tail = 0.0f;
          for (int64_t c0 = 0, b = 0; c0 < in; c0 += bc, ++b) {
            const int64_t n = std::min(bc, in - c0);
            const float scale = 256.0f * scales[b];
            lanes = _mm256_fmadd_ps(dot_lanes(row + c0, x + t * ldx + c0, n, load_fp8),
                                    _mm256_set1_ps(scale), lanes);
            for (int64_t i = c0 + n / 8 * 8; i < c0 + n; ++i)
              tail += scale * fp8_tail(row[i]) * x[t * ldx + i];
          }
          y[t * ldy + r - r0] = hsum(lanes) + tail;
        }
      }
      return;
    }
    default:
      return rows_dequantised(x, ldx, T, W, r0, r1, y, ldy);
  }
}

#endif

bool reads_blocks(DType t) {
  return t == DType::Q8_0 || t == DType::Q4_0 || t == DType::Q8_0_X8 || t == DType::Q4_0_X8;
}

// Rows [r0, r1) for T tokens; act: x as quantize_input made it for W.
void rows_any(const float* x, int64_t ldx, const QuantizedInput& act, int64_t T,
              const WeightMatrix& W, int64_t r0, int64_t r1, float* y, int64_t ldy) {
  if (is_kquant(W.w.dtype) || is_kquant_x8(W.w.dtype))
    return gemv_kquant_rows(act.kblocks.data(), T, W, r0, r1, y, ldy);
#ifdef R1_SIMD_AVX2
  const ActBlock* blocks = act.blocks.data();
  if (W.w.dtype == DType::Q8_0) return rows_blocks<block_q8_0>(blocks, T, W, r0, r1, y, ldy);
  if (W.w.dtype == DType::Q4_0) return rows_blocks<block_q4_0>(blocks, T, W, r0, r1, y, ldy);
#ifdef R1_GEMV_ROWS8
  if (W.w.dtype == DType::Q8_0_X8)
    return rows_blocks_x8<block_q8_0x8>(blocks, T, W, r0, r1, y, ldy);
  if (W.w.dtype == DType::Q4_0_X8)
    return rows_blocks_x8<block_q4_0x8>(blocks, T, W, r0, r1, y, ldy);
#endif
  rows_avx2(x, ldx, T, W, r0, r1, y, ldy);
#else
  rows_dequantised(x, ldx, T, W, r0, r1, y, ldy);
#endif
}

}  // namespace

void quantize_input(const WeightMatrix& W, const float* x, int64_t ldx, int64_t T,
                    QuantizedInput& act) {
  const DType t = W.w.dtype;
#ifdef R1_SIMD_AVX2
  if (reads_blocks(t) && act.blocks.empty()) quantize_activations(x, ldx, T, W.cols(), act.blocks);
#endif
  if ((is_kquant(t) || is_kquant_x8(t)) && act.kblocks.empty())
    quantize_q8_K_rows(x, ldx, T, W.cols(), act.kblocks);
}

bool gemv_takes(const WeightMatrix& W, int64_t T) {
  const DType t = W.w.dtype;
  const bool widened = t == DType::BF16 || t == DType::F16;
  return T <= kGemvMaxTokens || (widened && T <= kGemvWidenedMaxTokens);
}

WeightMatrix to_decode_layout(const WeightMatrix& W) {
#ifdef R1_GEMV_ROWS8
  const DType t = W.w.dtype;
  if ((t == DType::Q8_0 || t == DType::Q4_0) && W.rows() % kInterleavedRows == 0) {
    WeightMatrix out = W;
    out.w = interleave_rows8(W.w);
    return out;
  }
  if (is_kquant(t) && W.rows() % kInterleavedRows == 0 &&
      kquant_isa_built(KquantIsa::Avx512Vnni)) {
    WeightMatrix out = W;
    out.w = interleave_kquant_rows8(W.w);
    return out;
  }
#endif
  return W;
}

void gemv(const float* x, int64_t T, const WeightMatrix& W, float* y) {
  const int64_t in = W.cols(), out = W.rows();
  thread_local QuantizedInput act;
  act.blocks.clear();
  act.kblocks.clear();
  quantize_input(W, x, in, T, act);
  const QuantizedInput& shared = act;  // this thread's buffers, read by all workers
  auto rows = [&](int64_t r0, int64_t r1) { rows_any(x, in, shared, T, W, r0, r1, y + r0, out); };
  // Below ~64K weights a product takes a few microseconds: waking threads would cost more.
  if (out * in * T < (int64_t(1) << 16)) return rows(0, out);
  // Chunks of whole fp8 block rows keep each thread on its own scale rows; 16 rows otherwise.
  const int64_t align = W.w.dtype == DType::F8_E4M3 ? std::min<int64_t>(W.block_rows, 64) : 16;
  default_thread_pool().parallel_for(out, align, rows);
}

void gemv_rows(const float* x, int64_t ldx, int64_t T, const WeightMatrix& W, int64_t r0,
               int64_t r1, float* y, int64_t ldy) {
  thread_local QuantizedInput act;  // per pool thread: called once per head per step
  act.blocks.clear();
  act.kblocks.clear();
  quantize_input(W, x, ldx, T, act);
  rows_any(x, ldx, act, T, W, r0, r1, y, ldy);
}

void gemv_rows_quantized(const float* x, int64_t ldx, const QuantizedInput& act, int64_t T,
                         const WeightMatrix& W, int64_t r0, int64_t r1, float* y, int64_t ldy) {
  rows_any(x, ldx, act, T, W, r0, r1, y, ldy);
}

void gevm_rows(const float* x, int64_t ldx, int64_t T, const WeightMatrix& W, int64_t r0,
               int64_t r1, float* y, int64_t ldy) {
  const int64_t n = W.cols();
  for (int64_t t = 0; t < T; ++t) std::fill_n(y + t * ldy, n, 0.0f);
  thread_local std::vector<float> row;
  row.resize(size_t(n));
  for (int64_t r = r0; r < r1; ++r) {
    dequantize_rows(W, r, r + 1, row.data());
    for (int64_t t = 0; t < T; ++t) {
      const float a = x[t * ldx + r - r0];
      float* yt = y + t * ldy;
      for (int64_t c = 0; c < n; ++c) yt[c] += a * row[size_t(c)];
    }
  }
}

void gemv_reference(const float* x, int64_t T, const WeightMatrix& W, float* y) {
  const int64_t in = W.cols(), out = W.rows();
  std::vector<float> row(static_cast<size_t>(in));
  for (int64_t r = 0; r < out; ++r) {
    dequantize_rows(W, r, r + 1, row.data());
    for (int64_t t = 0; t < T; ++t) {
      double s = 0.0;
      for (int64_t i = 0; i < in; ++i) s += double(row[size_t(i)]) * x[t * in + i];
      y[t * out + r] = float(s);
    }
  }
}

}  // namespace r1
