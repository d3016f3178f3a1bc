// Interleaving q8_0/q4_0 rows by 8 and extracting one row back.
#include "core/quant_rows8.h"

#include <cstring>

#ifdef __AVX2__
#include <immintrin.h>
#endif
#include <vector>

#include "core/error.h"

namespace r1 {

namespace {

// The first n (<= 8) rows of `rows` into one group; lanes past n are zero.
template <typename Block, typename BlockX8>
void interleave_group(const Block* rows, int64_t n, int64_t nb, BlockX8* group) {
  constexpr int chunks = sizeof(Block::qs) / 4;
  for (int64_t b = 0; b < nb; ++b) {
    BlockX8& o = group[b];
    o = BlockX8{};
    for (int i = 0; i < n; ++i) {
      const Block& s = rows[i * nb + b];
      o.d[i] = s.d;
      for (int j = 0; j < chunks; ++j)
        std::memcpy(o.qs + (j * kInterleavedRows + i) * 4, s.qs + 4 * j, 4);
    }
  }
}

template <typename Block, typename BlockX8>
void interleave(const Block* rows, int64_t out, int64_t nb, BlockX8* x8) {
  for (int64_t g = 0; g < out / kInterleavedRows; ++g)
    interleave_group(rows + g * kInterleavedRows * nb, kInterleavedRows, nb, x8 + g * nb);
}

template <typename Block, typename BlockX8>
void extract(const BlockX8* group, int lane, int64_t nb, Block* out) {
  constexpr int chunks = sizeof(Block::qs) / 4;
  for (int64_t b = 0; b < nb; ++b) {
    out[b].d = group[b].d[lane];
    for (int j = 0; j < chunks; ++j)
      std::memcpy(out[b].qs + 4 * j, group[b].qs + (j * kInterleavedRows + lane) * 4, 4);
  }
}

#ifdef __AVX2__
// Chunks 4k..4k+3 of the 8 rows (4 registers, lane = row) -> 16 bytes per row at
// rows[i * nb + b].qs + 16 k: a 4 x 8 transpose of int32s.
template <typename Block>
void transpose_chunks(const uint8_t* qs, int k, int64_t nb, int64_t b, Block* rows) {
  __m256i c[4];
  for (int j = 0; j < 4; ++j)
    c[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + (4 * k + j) * 32));
  const __m256i t0 = _mm256_unpacklo_epi32(c[0], c[1]), t1 = _mm256_unpackhi_epi32(c[0], c[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(c[2], c[3]), t3 = _mm256_unpackhi_epi32(c[2], c[3]);
  const __m256i u[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
                        _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3)};
  for (int i = 0; i < 4; ++i) {  // u[i]: row i in the low half, row i + 4 in the high half
    _mm_storeu_si128(reinterpret_cast<__m128i*>(rows[i * nb + b].qs + 16 * k),
                     _mm256_castsi256_si128(u[i]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(rows[(i + 4) * nb + b].qs + 16 * k),
                     _mm256_extracti128_si256(u[i], 1));
  }
}
#endif

template <typename Block, typename BlockX8>
void extract_group(const BlockX8* group, int64_t nb, Block* rows) {
#ifdef __AVX2__
  for (int64_t b = 0; b < nb; ++b) {
    for (int i = 0; i < kInterleavedRows; ++i) rows[i * nb + b].d = group[b].d[i];
    for (int k = 0; k < int(sizeof(Block::qs)) / 16; ++k) transpose_chunks(group[b].qs, k, nb, b, rows);
  }
#else
  for (int i = 0; i < kInterleavedRows; ++i) extract(group, i, nb, rows + i * nb);
#endif
}

}  // namespace

Tensor interleave_rows8(const Tensor& t) {
  R1_ASSERT_MSG(t.shape.size() == 2 && t.dim(0) % kInterleavedRows == 0 && t.dim(1) % 32 == 0,
                "interleave_rows8: [8k, 32m] matrices only");
  const int64_t out = t.dim(0), nb = t.dim(1) / 32;
  if (t.dtype == DType::Q8_0) {
    Tensor r = Tensor::zeros(DType::Q8_0_X8, t.shape);
    interleave(t.as<block_q8_0>(), out, nb, r.as<block_q8_0x8>());
    return r;
  }
  R1_ASSERT_MSG(t.dtype == DType::Q4_0, "interleave_rows8: Q8_0 or Q4_0 only");
  Tensor r = Tensor::zeros(DType::Q4_0_X8, t.shape);
  interleave(t.as<block_q4_0>(), out, nb, r.as<block_q4_0x8>());
  return r;
}

void interleave_group8(const block_q8_0* rows, int64_t n, int64_t nb, block_q8_0x8* group) {
  interleave_group(rows, n, nb, group);
}

void interleave_group8(const block_q4_0* rows, int64_t n, int64_t nb, block_q4_0x8* group) {
  interleave_group(rows, n, nb, group);
}

void extract_row8(const block_q8_0x8* group, int lane, int64_t nb, block_q8_0* out) {
  extract(group, lane, nb, out);
}

void extract_row8(const block_q4_0x8* group, int lane, int64_t nb, block_q4_0* out) {
  extract(group, lane, nb, out);
}

void extract_group8(const block_q8_0x8* group, int64_t nb, block_q8_0* rows) {
  extract_group(group, nb, rows);
}

void extract_group8(const block_q4_0x8* group, int64_t nb, block_q4_0* rows) {
  extract_group(group, nb, rows);
}

void dequantize_row8(const Tensor& t, int64_t r, float* out) {
  const int64_t nb = t.dim(1) / 32, group = r / kInterleavedRows * nb;
  const int lane = int(r % kInterleavedRows);
  if (t.dtype == DType::Q8_0_X8) {
    std::vector<block_q8_0> row(static_cast<size_t>(nb));
    extract_row8(t.as<block_q8_0x8>() + group, lane, nb, row.data());
    dequantize_row_q8_0(row.data(), out, t.dim(1));
    return;
  }
  R1_ASSERT_MSG(t.dtype == DType::Q4_0_X8, "dequantize_row8: Q8_0_X8 or Q4_0_X8 only");
  std::vector<block_q4_0> row(static_cast<size_t>(nb));
  extract_row8(t.as<block_q4_0x8>() + group, lane, nb, row.data());
  dequantize_row_q4_0(row.data(), out, t.dim(1));
}

}  // namespace r1
