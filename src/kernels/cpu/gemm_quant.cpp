// Tiled int8 GEMM for q8_0/q4_0 weights.
// With AVX-512 VNNI the activations of 8 tokens share a vector: lane i holds token i's 4
// consecutive values (offset to unsigned, a + 128), and vpdpbusd against 4 weight bytes
// broadcast from memory adds 4 products to each token's sum, so one instruction does 32
// multiply-adds and a weight block is read once per 16 tokens. The offset is removed by
// starting each block's sums at -128 * sum(w). A tile is 4 weight rows x 16 tokens.
// With plain AVX2 a tile is 4 rows x 4 tokens of block dot products (maddubs sign trick).
// Tokens are processed in groups whose activations fit in L2 while the rows sweep past.
#include "kernels/cpu/gemm_quant.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/quant_blocks.h"
#include "core/quant_rows8.h"
#include "core/thread_pool.h"
#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/simd_blocks.h"

#if defined(R1_SIMD_AVX2) && defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define R1_GEMM_VNNI 1
#include <cstring>
#endif

namespace r1 {

namespace {

constexpr int kTileRows = 4;

// Where a row tile's blocks come from: the matrix itself, or for the 8-row interleaved layouts
// (quant_rows8.h) a per-thread copy of the tile's group of 8 rows in ggml's layout, made when
// the tiles reach a new group: small next to the products of a token span.
template <typename Block>
class TileRows {
 public:
  explicit TileRows(const WeightMatrix& W)
      : W_(W), nb_(W.cols() / 32), interleaved_(W.w.dtype == DType::Q8_0_X8 ||
                                                 W.w.dtype == DType::Q4_0_X8) {
    if (interleaved_) scratch_.resize(size_t(kInterleavedRows * nb_));
  }

  // Row r's blocks, valid until a row of another group is asked for.
  const Block* row(int64_t r) {
    if (!interleaved_) return W_.w.as<Block>() + r * nb_;
    const int64_t group = r / kInterleavedRows;
    if (group != cached_group_) {
      using BlockX8 = std::conditional_t<std::is_same_v<Block, block_q4_0>, block_q4_0x8,
                                         block_q8_0x8>;
      extract_group8(W_.w.as<BlockX8>() + group * nb_, nb_, scratch_.data());
      cached_group_ = group;
    }
    return scratch_.data() + (r % kInterleavedRows) * nb_;
  }

 private:
  const WeightMatrix& W_;
  int64_t nb_;
  bool interleaved_;
  int64_t cached_group_ = -1;
  std::vector<Block> scratch_;
};

#ifdef R1_GEMM_VNNI

constexpr int kGroupTokens = 8;  // tokens per activation vector (int32 lanes of a ymm)

// One block of 32 values of 8 tokens: q[g][i] holds values 4g..4g+3 of token i, plus 128.
struct ActGroup {
  float d[kGroupTokens];
  uint8_t q[8][kGroupTokens][4];
};

// One token's block of 32 values: d into a.d[i], values + 128 into lane i of a.q (rounded to
// nearest even, as quantize_activations does).
inline void quantize_lane(const float* x, ActGroup& a, int i) {
  __m256 v[4], amax = _mm256_setzero_ps();
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  for (int k = 0; k < 4; ++k) {
    v[k] = _mm256_loadu_ps(x + 8 * k);
    amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, v[k]));
  }
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  const float d = _mm_cvtss_f32(m) / 127.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
  a.d[i] = d;
  const __m256 scale = _mm256_set1_ps(id);
  __m256i q[4];
  for (int k = 0; k < 4; ++k) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], scale));
  // int32 -> int8 (saturation never triggers: |q| <= 127), restoring element order.
  const __m256i q16a = _mm256_packs_epi32(q[0], q[1]), q16b = _mm256_packs_epi32(q[2], q[3]);
  __m256i q8 = _mm256_packs_epi16(q16a, q16b);
  q8 = _mm256_permutevar8x32_epi32(q8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  alignas(32) uint8_t bytes[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(bytes),
                     _mm256_xor_si256(q8, _mm256_set1_epi8(char(0x80))));
  for (int g = 0; g < 8; ++g) std::memcpy(a.q[g][i], bytes + 4 * g, 4);
}

// x: [T, in] -> [ceil(T / 8), in / 32] groups; padding tokens are zeros (d = 0).
void quantize_groups(const float* x, int64_t T, int64_t in, std::vector<ActGroup>& out) {
  const int64_t nb = in / 32, groups = (T + kGroupTokens - 1) / kGroupTokens;
  out.resize(size_t(groups * nb));
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t b = 0; b < nb; ++b) {
      ActGroup& a = out[size_t(g * nb + b)];
      for (int i = 0; i < kGroupTokens; ++i) {
        const int64_t t = g * kGroupTokens + i;
        if (t < T) {
          quantize_lane(x + t * in + b * 32, a, i);
        } else {
          a.d[i] = 0.0f;
          for (int k = 0; k < 8; ++k) std::memset(a.q[k][i], 0x80, 4);
        }
      }
    }
}

// -128 * (sum of the 32 signed bytes of w).
inline int32_t offset_start(__m256i w) {
  const __m256i u = _mm256_xor_si256(w, _mm256_set1_epi8(char(0x80)));  // w + 128
  const __m256i sad = _mm256_sad_epu8(u, _mm256_setzero_si256());       // 4 sums of 8 bytes
  const __m128i s2 = _mm_add_epi64(_mm256_castsi256_si128(sad), _mm256_extracti128_si256(sad, 1));
  const int64_t sum = _mm_cvtsi128_si64(_mm_add_epi64(s2, _mm_unpackhi_epi64(s2, s2))) - 32 * 128;
  return int32_t(-128 * sum);
}

// Weight bytes 4g..4g+3 of a block in every lane: q8_0 straight from memory (folded into
// vpdpbusd's broadcast operand), q4_0 from its unpacked register.
template <typename Block>
inline __m256i broadcast4(const Block& b, __m256i values, int g) {
  if constexpr (std::is_same_v<Block, block_q4_0>) {
    return _mm256_permutevar8x32_epi32(values, _mm256_set1_epi32(g));
  } else {
    int32_t v;
    std::memcpy(&v, b.qs + 4 * g, 4);
    return _mm256_set1_epi32(v);
  }
}

// y[token, row] for R rows (w[r] + b) and C groups of 8 tokens (a[c] + b); only the first
// `valid` tokens of the last group are stored. starts[b * kTileRows + r]: offset_start of
// row r's block b.
template <typename Block, int R, int C>
void tile_vnni(const Block* const* w, const int32_t* starts, const ActGroup* const* a, int64_t nb,
               float* y, int64_t ldy, int valid) {
  __m256 acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    __m256i wv[R], sum[R][C];
    for (int r = 0; r < R; ++r) {
      if constexpr (std::is_same_v<Block, block_q4_0>) wv[r] = simd::q4_0_values(w[r][b]);
      const __m256i start = _mm256_set1_epi32(starts[b * kTileRows + r]);
      for (int c = 0; c < C; ++c) sum[r][c] = start;
    }
    for (int g = 0; g < 8; ++g)
      for (int c = 0; c < C; ++c) {
        const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[c][b].q[g]));
        for (int r = 0; r < R; ++r)
          sum[r][c] = _mm256_dpbusd_epi32(sum[r][c], av, broadcast4(w[r][b], wv[r], g));
      }
    for (int c = 0; c < C; ++c) {
      const __m256 ad = _mm256_loadu_ps(a[c][b].d);
      for (int r = 0; r < R; ++r)
        acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[r][c]),
                                    _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(w[r][b].d)), ad),
                                    acc[r][c]);
    }
  }
  for (int c = 0; c < C; ++c) {
    const int n = c == C - 1 ? valid : kGroupTokens;
    for (int r = 0; r < R; ++r) {
      alignas(32) float lanes[kGroupTokens];
      _mm256_store_ps(lanes, acc[r][c]);
      for (int i = 0; i < n; ++i) y[(c * kGroupTokens + i) * ldy + r] = lanes[i];
    }
  }
}

template <typename Block, int R>
void tile_groups(const Block* const* w, const int32_t* starts, const ActGroup* const* a, int C,
                 int64_t nb, float* y, int64_t ldy, int valid) {
  if (C == 2) return tile_vnni<Block, R, 2>(w, starts, a, nb, y, ldy, valid);
  tile_vnni<Block, R, 1>(w, starts, a, nb, y, ldy, valid);
}

// The activations as this path's kernels read them.
using Activations = ActGroup;
void quantize(const float* x, int64_t T, int64_t in, std::vector<ActGroup>& out) {
  quantize_groups(x, T, in, out);
}

// Rows [r0, r1) of y for all T tokens (act: [ceil(T / 8), nb] groups).
template <typename Block>
void rows_range(const ActGroup* act, int64_t T, const WeightMatrix& W, int64_t r0,
                     int64_t r1, float* y, int64_t ldy) {
  const int64_t nb = W.cols() / 32, groups = (T + kGroupTokens - 1) / kGroupTokens;
  TileRows<Block> tile_rows(W);
  const int64_t span = std::max<int64_t>(2, 256 * 1024 / int64_t(sizeof(ActGroup) * nb) / 2 * 2);
  thread_local std::vector<int32_t> starts;  // [nb, kTileRows]
  starts.resize(size_t(nb * kTileRows));
  for (int64_t g0 = 0; g0 < groups; g0 += span) {
    const int64_t g1 = std::min(groups, g0 + span);
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = int(std::min<int64_t>(kTileRows, r1 - r));
      const Block* w[kTileRows];
      for (int i = 0; i < kTileRows; ++i) w[i] = tile_rows.row(std::min(r + i, r1 - 1));
      for (int64_t b = 0; b < nb; ++b)  // once per row group, shared by all token groups
        for (int i = 0; i < kTileRows; ++i)
          starts[size_t(b * kTileRows + i)] = offset_start(simd::block_values(w[i][b]));
      for (int64_t g = g0; g < g1; g += 2) {
        const int C = int(std::min<int64_t>(2, g1 - g));
        const ActGroup* a[2] = {act + g * nb, act + std::min(g + 1, g1 - 1) * nb};
        const int valid = int(std::min<int64_t>(kGroupTokens, T - (g + C - 1) * kGroupTokens));
        float* yt = y + g * kGroupTokens * ldy + r;
        if (rows == kTileRows) {
          tile_groups<Block, kTileRows>(w, starts.data(), a, C, nb, yt, ldy, valid);
        } else {
          for (int i = 0; i < rows; ++i)
            tile_groups<Block, 1>(w + i, starts.data() + i, a, C, nb, yt + i, ldy, valid);
        }
      }
    }
  }
}

#else  // plain AVX2 or scalar: tiles of 4 rows x 4 tokens over ActBlocks

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
    for (int r = 0; r < R; ++r) {
      wv[r] = simd::block_values(w[r][b]);
      wd[r] = _mm256_set1_ps(_cvtsh_ss(w[r][b].d));
    }
    for (int c = 0; c < C; ++c) {
      const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[c][b].qs));
      const __m256 ad = _mm256_set1_ps(a[c][b].d);
      for (int r = 0; r < R; ++r) {
        const __m256i dot = simd::int8_dot_i32(wv[r], av);
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

// The activations as this path's kernels read them.
using Activations = ActBlock;
void quantize(const float* x, int64_t T, int64_t in, std::vector<ActBlock>& out) {
  quantize_activations(x, in, T, in, out);
}

// Rows [r0, r1) of y for all T tokens: token groups sized so their activation blocks stay in
// L2 while every row group of the range passes over them.
template <typename Block>
void rows_range(const ActBlock* act, int64_t T, const WeightMatrix& W, int64_t r0, int64_t r1,
                float* y, int64_t ldy) {
  const int64_t nb = W.cols() / 32;
  TileRows<Block> tile_rows(W);
  const int64_t group = std::max<int64_t>(
      kTileTokens, (256 * 1024 / int64_t(sizeof(ActBlock) * nb)) / kTileTokens * kTileTokens);
  for (int64_t t0 = 0; t0 < T; t0 += group) {
    const int64_t t1 = std::min(T, t0 + group);
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = int(std::min<int64_t>(kTileRows, r1 - r));
      const Block* w[kTileRows];
      for (int i = 0; i < kTileRows; ++i) w[i] = tile_rows.row(std::min(r + i, r1 - 1));
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


#endif
}  // namespace

void gemm_quant(const float* x, int64_t T, const WeightMatrix& W, float* y, bool use_pool) {
  const int64_t in = W.cols(), out = W.rows();
  const DType t = W.w.dtype;
  R1_ASSERT_MSG(t == DType::Q8_0 || t == DType::Q4_0 || t == DType::Q8_0_X8 || t == DType::Q4_0_X8,
                "gemm_quant: weights must be q8_0 or q4_0");
  R1_ASSERT(in % 32 == 0);
  const bool q8 = t == DType::Q8_0 || t == DType::Q8_0_X8;
  thread_local std::vector<Activations> act;
  quantize(x, T, in, act);
  const Activations* a = act.data();  // this thread's buffer, read by all workers
  auto rows = [&](int64_t r0, int64_t r1) {
    if (q8) {
      rows_range<block_q8_0>(a, T, W, r0, r1, y, out);
    } else {
      rows_range<block_q4_0>(a, T, W, r0, r1, y, out);
    }
  };
  if (!use_pool || out * in * T < (int64_t(1) << 16)) return rows(0, out);
  default_thread_pool().parallel_for(out, kTileRows, rows);
}

}  // namespace r1
