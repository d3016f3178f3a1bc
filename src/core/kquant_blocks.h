// ggml's k-quant and IQ4_XS block layouts, as stored in GGUF files (ggml-common.h): 256 values
// per super-block, split into sub-blocks with their own quantised scales. Q8_K is the 8-bit
// activation block the k-quant dot products multiply against; it never appears in files.
#pragma once

#include <cstdint>

namespace r1 {

constexpr int kQK_K = 256;        // values per k-quant super-block
constexpr int kKScaleBytes = 12;  // Q4_K/Q5_K: 8 scales and 8 mins of 6 bits, packed

// 2.625 bits per value: 16 sub-blocks of 16; value = d * (scales[s] & 15) * q - dmin *
// (scales[s] >> 4), q the 2-bit value in qs.
struct block_q2_K {
  uint8_t scales[kQK_K / 16];  // 4-bit scale (low) and 4-bit min (high) per sub-block
  uint8_t qs[kQK_K / 4];       // 2-bit values
  uint16_t d;                  // fp16 super-block scale for the scales
  uint16_t dmin;               // fp16 super-block scale for the mins
};
static_assert(sizeof(block_q2_K) == 84, "q2_K blocks are 84 bytes in GGUF");

// 3.4375 bits per value: 16 sub-blocks of 16; value = d * (scale[s] - 32) * (q - (hbit ? 0 : 4)),
// q the low 2 bits from qs, hbit from hmask; 6-bit scales packed in 12 bytes.
struct block_q3_K {
  uint8_t hmask[kQK_K / 8];  // high bit of each value
  uint8_t qs[kQK_K / 4];     // low 2 bits
  uint8_t scales[12];        // 16 scales of 6 bits
  uint16_t d;                // fp16 super-block scale
};
static_assert(sizeof(block_q3_K) == 110, "q3_K blocks are 110 bytes in GGUF");

// 4.5 bits per value: 8 sub-blocks of 32; value = d * sc[s] * q - dmin * m[s], 6-bit sc/m
// packed in scales.
struct block_q4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qs[kQK_K / 2];  // 4-bit values
};
static_assert(sizeof(block_q4_K) == 144, "q4_K blocks are 144 bytes in GGUF");

// 5.5 bits per value: as q4_K with a fifth bit per value in qh.
struct block_q5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kQK_K / 8];  // high bits
  uint8_t qs[kQK_K / 2];  // low 4 bits
};
static_assert(sizeof(block_q5_K) == 176, "q5_K blocks are 176 bytes in GGUF");

// 6.5625 bits per value: 16 sub-blocks of 16; value = d * scales[s] * (q - 32), q 6 bits from
// 4 low bits in ql and 2 high bits in qh.
struct block_q6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
static_assert(sizeof(block_q6_K) == 210, "q6_K blocks are 210 bytes in GGUF");

// 4.25 bits per value: 8 sub-blocks of 32; value = d * (ls[s] - 32) * kvalues_iq4nl[q], ls the
// 6-bit scale from 4 low bits in scales_l and 2 high bits in scales_h, q a 4-bit index into
// ggml's non-linear table.
struct block_iq4_xs {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[kQK_K / 64];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(block_iq4_xs) == 136, "iq4_xs blocks are 136 bytes in GGUF");

// Activations for k-quant dot products: x[j] ~= qs[j] * d; bsums[i] = sum of qs[16i..16i+15].
struct block_q8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(block_q8_K) == 292, "q8_K blocks are 292 bytes");

}  // namespace r1
