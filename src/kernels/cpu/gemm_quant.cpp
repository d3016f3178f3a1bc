// Tiled int8 GEMM for q8_0/q4_0 weights.
// With AVX-512 VNNI a tile is 16 weight rows x 8 tokens: the rows' block values sit in 8 zmm
// registers (one int32 lane per row, 4 values each, as unsigned bytes), and every token's
// 4 activation bytes are broadcast from memory into vpdpbusd, so one instruction does 64
// multiply-adds and the weights are loaded once per 8 tokens; a token's 16 results are one
// contiguous store. The rows come from the 8-row interleaved decode layout (quant_rows8.h).
// With plain AVX2 a tile is 4 rows x 4 tokens of block dot products (maddubs sign trick).
// Tokens are processed in spans whose activations fit in L2 while the rows sweep past.
#include "kernels/cpu/gemm_quant.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/quant_blocks.h"
#include "core/quant_rows8.h"
#include "core/thread_pool.h"
#include "kernels/cpu/act_quant.h"
#include "kernels/cpu/simd_blocks.h"

#if defined(R1_SIMD_AVX2) && defined(__AVX512F__) && defined(__AVX512BW__) && \
    defined(__AVX512VNNI__)
#define R1_GEMM_VNNI 1
#include <cstring>
// gcc 12 warns inside its own AVX-512 headers (the _mm512_undefined_* pass-through operand of
// inserti64x4, cvtph_ps, cvtepi32_ps) at -O3; the operand is never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace r1 {

namespace {

#ifdef R1_GEMM_VNNI

// A tile is 16 rows: two groups of the 8-row interleaved layout side by side in a zmm, lane r
// holding row r. The weights become unsigned bytes w + 128, so vpdpbusd can take each token's
// signed activations as a 4-byte broadcast straight from memory; each block's sums start at
// -128 * (sum of the token's 32 activations) to take the offset back out.
constexpr int kTileRows = 16;
constexpr int kTileTokens = 8;

// One token's block of 32 activations as the tiles read them.
struct TileAct {
  float d;
  int32_t start;  // -128 * sum(qs)
  int8_t qs[32];
};

// The activations as this path's kernels read them.
using Activations = TileAct;
void quantize(const float* x, int64_t T, int64_t in, std::vector<TileAct>& out) {
  thread_local std::vector<ActBlock> blocks;
  quantize_activations(x, in, T, in, blocks);
  out.resize(blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i) {
    out[i].d = blocks[i].d;
    out[i].start = -128 * blocks[i].sum;
    std::memcpy(out[i].qs, blocks[i].qs, 32);
  }
}

// One block of a 16-row tile: q[j] holds values 4j..4j+3 of every row (lane r = row r) as
// w + 128, then the 16 scales.
struct alignas(64) TileBlock {
  uint8_t q[8][64];
  float d[16];
};

inline __m512i join(const uint8_t* lo, const uint8_t* hi) {
  return _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(lo))),
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hi)), 1);
}

inline void store_scales(const uint16_t* lo, const uint16_t* hi, TileBlock& t) {
  const __m128i l = _mm_loadu_si128(reinterpret_cast<const __m128i*>(lo));
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hi));
  _mm512_store_ps(t.d, _mm512_cvtph_ps(_mm256_set_m128i(h, l)));
}

inline void pack_block(const block_q8_0x8& lo, const block_q8_0x8& hi, TileBlock& t) {
  const __m512i offset = _mm512_set1_epi8(char(0x80));
  for (int j = 0; j < 8; ++j)
    _mm512_store_si512(t.q[j], _mm512_xor_si512(join(lo.qs + 32 * j, hi.qs + 32 * j), offset));
  store_scales(lo.d, hi.d, t);
}

// q4_0x8 chunk j packs values 4j..4j+3 (low nibbles) and 16+4j.. (high nibbles) of each row;
// nibble + 120 = w + 128.
inline void pack_block(const block_q4_0x8& lo, const block_q4_0x8& hi, TileBlock& t) {
  const __m512i low4 = _mm512_set1_epi8(0x0f), offset = _mm512_set1_epi8(120);
  for (int j = 0; j < 4; ++j) {
    const __m512i v = join(lo.qs + 32 * j, hi.qs + 32 * j);
    _mm512_store_si512(t.q[j], _mm512_add_epi8(_mm512_and_si512(v, low4), offset));
    _mm512_store_si512(t.q[j + 4],
                       _mm512_add_epi8(_mm512_and_si512(_mm512_srli_epi16(v, 4), low4), offset));
  }
  store_scales(lo.d, hi.d, t);
}

// sum + (unsigned bytes of w) . (the 4 signed bytes at `four`, in every lane), the 4 bytes as an
// embedded broadcast memory operand: gcc 12 would emit a separate vpbroadcastd for each.
inline __m512i dpbusd_broadcast(__m512i sum, __m512i w, const int8_t* four) {
  asm("vpdpbusd %[four]%{1to16%}, %[w], %[sum]"
      : [sum] "+v"(sum)
      : [w] "v"(w), [four] "m"(*reinterpret_cast<const int32_t*>(four)));
  return sum;
}

// Packing streams the weights from memory once: blocks this far ahead are asked for early.
constexpr int64_t kPackAhead = 4;

template <typename BlockX8>
inline void prefetch_block(const BlockX8& lo, const BlockX8& hi) {
  for (size_t off = 0; off < sizeof(BlockX8); off += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(&lo) + off, _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(&hi) + off, _MM_HINT_T0);
  }
}

// y[t, 0:16] (the rows where `rows` has a bit) = tile rows . token t, for NT tokens
// (a[t]: token t's nb activation blocks).
// A tile's weights block by block: packed once for a span of many tokens, or packed on the fly
// into a block on the stack when only one or two token groups read them.
struct PackedTile {
  const TileBlock* blocks;
  const TileBlock& block(int64_t b, TileBlock&) const { return blocks[b]; }
};

template <typename BlockX8>
struct UnpackedTile {
  const BlockX8* lo;
  const BlockX8* hi;
  const TileBlock& block(int64_t b, TileBlock& scratch) const {
    pack_block(lo[b], hi[b], scratch);
    return scratch;
  }
};

template <int NT, typename Tile>
void tile_vnni(const Tile& tile, const TileAct* const* a, int64_t nb, float* y, int64_t ldy,
               __mmask16 rows) {
  __m512 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
  TileBlock scratch;
  for (int64_t b = 0; b < nb; ++b) {
    const TileBlock& w = tile.block(b, scratch);
    // Tokens inner: consecutive vpdpbusd feed different sums, hiding the instruction latency.
    __m512i sum[NT];
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t) sum[t] = _mm512_set1_epi32(a[t][b].start);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const __m512i q = _mm512_load_si512(w.q[j]);
#pragma GCC unroll 16
      for (int t = 0; t < NT; ++t) sum[t] = dpbusd_broadcast(sum[t], q, a[t][b].qs + 4 * j);
    }
    const __m512 wd = _mm512_load_ps(w.d);
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t)
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[t]),
                               _mm512_mul_ps(wd, _mm512_set1_ps(a[t][b].d)), acc[t]);
  }
  for (int t = 0; t < NT; ++t) _mm512_mask_storeu_ps(y + t * ldy, rows, acc[t]);
}

template <typename Tile, int... N>
void tile_tokens_n(int n, const Tile& tile, const TileAct* const* a, int64_t nb, float* y,
                   int64_t ldy, __mmask16 rows, std::integer_sequence<int, N...>) {
  ((n == N + 1 ? tile_vnni<N + 1>(tile, a, nb, y, ldy, rows) : void()), ...);
}

// All tokens [t0, t1) against one tile.
template <typename Tile>
void tile_span(const Tile& tile, const TileAct* act, int64_t t0, int64_t t1, int64_t nb,
               float* y, int64_t ldy, __mmask16 rows) {
  for (int64_t t = t0; t < t1; t += kTileTokens) {
    const int n = int(std::min<int64_t>(kTileTokens, t1 - t));
    const TileAct* a[kTileTokens];
    for (int i = 0; i < n; ++i) a[i] = act + (t + i) * nb;
    tile_tokens_n(n, tile, a, nb, y + t * ldy, ldy, rows,
                  std::make_integer_sequence<int, kTileTokens>{});
  }
}

// The 8-row groups of W in the interleaved layout: the matrix's own for Q8_0_X8/Q4_0_X8; for
// plain rows, each group interleaved into a per-thread buffer when asked for (rows past the end
// are zero blocks with scale 0).
template <typename Block, typename BlockX8>
class Groups8 {
 public:
  explicit Groups8(const WeightMatrix& W)
      : W_(W), nb_(W.cols() / 32), interleaved_(W.w.dtype == DType::Q8_0_X8 ||
                                                 W.w.dtype == DType::Q4_0_X8) {}

  const BlockX8* group(int64_t g, int slot) {
    if (interleaved_ && g < W_.rows() / kInterleavedRows) return W_.w.as<BlockX8>() + g * nb_;
    std::vector<BlockX8>& buf = buffers_[slot];
    buf.assign(size_t(nb_), BlockX8{});
    const int64_t r0 = g * kInterleavedRows, n = std::clamp<int64_t>(W_.rows() - r0, 0, 8);
    if (n > 0) interleave_group8(W_.w.as<Block>() + r0 * nb_, n, nb_, buf.data());
    return buf.data();
  }

 private:
  const WeightMatrix& W_;
  int64_t nb_;
  bool interleaved_;
  std::vector<BlockX8> buffers_[2];  // a tile's two groups
};

// Rows [r0, r1) of y for all T tokens (act: [T, nb] blocks), r0 a multiple of 16. Tokens go in
// spans of up to 4 MiB of activations (L3; larger spans beat L2-sized ones, which repack the
// tiles more often); each tile is packed once per span into a per-thread buffer that every
// token group of the span reads, or on the fly when the span is one or two groups (MoE experts).
template <typename Block>
void rows_range(const TileAct* act, int64_t T, const WeightMatrix& W, int64_t r0, int64_t r1,
                float* y, int64_t ldy) {
  using BlockX8 = std::conditional_t<std::is_same_v<Block, block_q4_0>, block_q4_0x8,
                                     block_q8_0x8>;
  const int64_t nb = W.cols() / 32;
  Groups8<Block, BlockX8> groups(W);
  thread_local std::vector<TileBlock> tile;
  tile.resize(size_t(nb));
  const int64_t span = std::max<int64_t>(
      kTileTokens, 4096 * 1024 / int64_t(sizeof(TileAct) * nb) / kTileTokens * kTileTokens);
  for (int64_t t0 = 0; t0 < T; t0 += span) {
    const int64_t t1 = std::min(T, t0 + span);
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int64_t g = r / kInterleavedRows;
      const BlockX8* lo = groups.group(g, 0);
      const BlockX8* hi = groups.group(g + 1, 1);
      const int n_rows = int(std::min<int64_t>(kTileRows, r1 - r));
      const __mmask16 rows = __mmask16((1u << n_rows) - 1);
      if (t1 - t0 <= 2 * kTileTokens) {
        tile_span(UnpackedTile<BlockX8>{lo, hi}, act, t0, t1, nb, y + r, ldy, rows);
        continue;
      }
      for (int64_t b = 0; b < nb; ++b) {
        if (b + kPackAhead < nb) prefetch_block(lo[b + kPackAhead], hi[b + kPackAhead]);
        pack_block(lo[b], hi[b], tile[size_t(b)]);
      }
      tile_span(PackedTile{tile.data()}, act, t0, t1, nb, y + r, ldy, rows);
    }
  }
}

#else  // plain AVX2 or scalar: tiles of 4 rows x 4 tokens over ActBlocks

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


constexpr int kTileTokens = 8;

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
  default_thread_pool().parallel_for(out, kTileRows, rows);  // ranges start at tile boundaries
}

}  // namespace r1
