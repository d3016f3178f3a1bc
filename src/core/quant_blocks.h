// ggml's Q8_0 and Q4_0 block layouts (as stored in GGUF files) and the scalar reference
// quantisation of float rows into them and back, bit-for-bit as ggml's *_ref functions.
#pragma once

#include <cstdint>

namespace r1 {

constexpr int kQK8_0 = 32;  // values per q8_0 block
constexpr int kQK4_0 = 32;  // values per q4_0 block

// value[j] = qs[j] * d, with d an IEEE fp16 bit pattern.
struct block_q8_0 {
  uint16_t d;
  int8_t qs[kQK8_0];
};
static_assert(sizeof(block_q8_0) == 34, "q8_0 blocks are 34 bytes in GGUF");

// value[j] = ((qs[j] & 0x0f) - 8) * d and value[j + 16] = ((qs[j] >> 4) - 8) * d for j < 16:
// element j sits in the low nibble of qs[j], element j + 16 in the high nibble.
struct block_q4_0 {
  uint16_t d;
  uint8_t qs[kQK4_0 / 2];
};
static_assert(sizeof(block_q4_0) == 18, "q4_0 blocks are 18 bytes in GGUF");

// Each function converts a row of k values, k a multiple of 32 (asserted), into k / 32 blocks
// or back. For finite input the blocks equal ggml's quantize_row_q8_0_ref / q4_0_ref:
// q8_0: d = amax / 127, q = roundf(x / d) (ties away from zero);
// q4_0: d = max / -8 where max is the signed value of largest magnitude (the first one on a
//       tie), q = min(15, trunc(x / d + 8.5)); so the extreme value maps to nibble 0.
// Both multiply by the float reciprocal 1/d (not divide) and store d rounded to fp16 (ties to
// even, overflow to inf), as ggml does. NaN or infinite input is never undefined behaviour:
// a quantised value that is not representable becomes 0, as it does in ggml on x86.
void quantize_row_q8_0(const float* x, block_q8_0* y, int64_t k);
void dequantize_row_q8_0(const block_q8_0* x, float* y, int64_t k);
void quantize_row_q4_0(const float* x, block_q4_0* y, int64_t k);
void dequantize_row_q4_0(const block_q4_0* x, float* y, int64_t k);

// C's float -> int8_t conversion as x86 performs it (cvttss2si, then the low byte), which ggml's
// reference quantisers rely on: defined here for every input, where C++ leaves NaN and
// out-of-range values undefined (they give 0, the low byte of x86's 0x80000000).
int8_t float_to_i8_x86(float v);

}  // namespace r1
