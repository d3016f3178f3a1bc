// ggml's 32-value Q5_0, Q5_1 and IQ4_NL blocks: the types llama-quantize falls back to for
// tensors whose rows are not a multiple of 256 (Q4_K -> Q5_0, Q5_K -> Q5_1, Q2_K/Q3_K/IQ4_XS ->
// IQ4_NL). Scalar reference quantisation and dequantisation, bit-for-bit as ggml's.
#pragma once

#include <cstdint>

#include "core/quant_blocks.h"

namespace r1 {

constexpr int kQK5_0 = 32;
constexpr int kQK5_1 = 32;
constexpr int kQK4_NL = 32;

// value[j] = (q[j] - 16) * d, q[j] 5 bits: the low 4 in qs (element j in the low nibble of qs[j],
// j + 16 in the high nibble), the fifth in bit j of the little-endian uint32 qh.
struct block_q5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK5_0 / 2];
};
static_assert(sizeof(block_q5_0) == 22, "q5_0 blocks are 22 bytes in GGUF");

// value[j] = q[j] * d + m, q[j] 5 bits packed as in q5_0.
struct block_q5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK5_1 / 2];
};
static_assert(sizeof(block_q5_1) == 24, "q5_1 blocks are 24 bytes in GGUF");

// value[j] = d * kIq4nlGrid[q[j]], q[j] a 4-bit index packed as q4_0's nibbles.
struct block_iq4_nl {
  uint16_t d;
  uint8_t qs[kQK4_NL / 2];
};
static_assert(sizeof(block_iq4_nl) == 18, "iq4_nl blocks are 18 bytes in GGUF");

// ggml's non-linear 4-bit grid of IQ4_NL and IQ4_XS (kvalues_iq4nl), ascending.
inline constexpr int8_t kIq4nlGrid[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                          1,    13,   25,  38,  53,  69,  89,  113};

// Rows of k values, k a multiple of 32 (asserted), as ggml's quantize_row_q5_0_ref / q5_1_ref
// (what llama-quantize writes without an importance matrix) and dequantize_row_*.
// q5_0: d = max / -16 (max the signed value of largest magnitude), q = min(31, trunc(x/d + 16.5));
// q5_1: d = (max - min) / 31, m = min, q = trunc((x - min)/d + 0.5); both multiply by 1/d.
void quantize_row_q5_0(const float* x, block_q5_0* y, int64_t k);
void quantize_row_q5_1(const float* x, block_q5_1* y, int64_t k);
void dequantize_row_q5_0(const block_q5_0* x, float* y, int64_t k);
void dequantize_row_q5_1(const block_q5_1* x, float* y, int64_t k);
void dequantize_row_iq4_nl(const block_iq4_nl* x, float* y, int64_t k);

// The same values as q8_0 blocks: q5_0's (q - 16) * d and iq4_nl's d * grid[q] are int8 times
// the block's fp16 scale, so these copies are exact (each value dequantises to the same float).
void q5_0_to_q8_0(const block_q5_0* x, block_q8_0* y, int64_t k);
void iq4_nl_to_q8_0(const block_iq4_nl* x, block_q8_0* y, int64_t k);

}  // namespace r1
