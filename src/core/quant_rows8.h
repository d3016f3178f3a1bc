// The 8-row interleaved layouts of q8_0/q4_0 matrices (DType Q8_0_X8 / Q4_0_X8): block b of
// rows 8g..8g+7 is one block_*x8 holding the 8 scales, then the values in 4-byte chunks with
// chunk j of row i at qs[(8 j + i) * 4]. A 32-byte load is chunk j of all 8 rows, one row per
// int32 lane, so a GEMV kernel finishes 8 rows' dot products in the lanes of one register.
#pragma once

#include <cstdint>

#include "core/quant_blocks.h"
#include "core/tensor.h"

namespace r1 {

constexpr int kInterleavedRows = 8;

struct block_q8_0x8 {
  uint16_t d[kInterleavedRows];
  uint8_t qs[kInterleavedRows * kQK8_0];  // 8 chunks of row i: its qs[4j..4j+3]
};
static_assert(sizeof(block_q8_0x8) == 8 * sizeof(block_q8_0));

struct block_q4_0x8 {
  uint16_t d[kInterleavedRows];
  uint8_t qs[kInterleavedRows * kQK4_0 / 2];  // 4 chunks of row i: its qs[4j..4j+3]
};
static_assert(sizeof(block_q4_0x8) == 8 * sizeof(block_q4_0));

// Q8_0 or Q4_0 [out, in] (out a multiple of 8) -> an owning Q8_0_X8 / Q4_0_X8 tensor of the
// same shape; group g's blocks are consecutive: x8[g * nb + b], nb = in / 32.
Tensor interleave_rows8(const Tensor& t);

// One group from n <= 8 consecutive rows (rows[i * nb + b] = row i's block b); the lanes of
// missing rows get zero blocks (scale 0).
void interleave_group8(const block_q8_0* rows, int64_t n, int64_t nb, block_q8_0x8* group);
void interleave_group8(const block_q4_0* rows, int64_t n, int64_t nb, block_q4_0x8* group);

// Row r's nb blocks in ggml's layout, out of its group's first block `group` (lane = r % 8).
void extract_row8(const block_q8_0x8* group, int lane, int64_t nb, block_q8_0* out);
void extract_row8(const block_q4_0x8* group, int lane, int64_t nb, block_q4_0* out);

// All 8 rows of a group at once: rows[i * nb + b] = row i's block b.
void extract_group8(const block_q8_0x8* group, int64_t nb, block_q8_0* rows);
void extract_group8(const block_q4_0x8* group, int64_t nb, block_q4_0* rows);

// Row r of a Q8_0_X8 / Q4_0_X8 tensor [out, in] as in floats.
void dequantize_row8(const Tensor& t, int64_t r, float* out);

}  // namespace r1
