// Scalar reference dequantisation of ggml's k-quant and IQ4_XS super-blocks into f32, and the
// q8_K quantisation of activations, bit-for-bit as ggml's dequantize_row_* / quantize_row_q8_K_ref.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/kquant_blocks.h"

namespace r1 {

// ggml's non-linear 4-bit grid of IQ4_NL / IQ4_XS.
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// Scale and min of sub-block j (0..7) from the 12 packed bytes of q4_K/q5_K (ggml's
// get_scale_min_k4): 6 bits each, j < 4 in the low bits of bytes j and j + 4, j >= 4 split
// between the low/high nibble of byte j + 4 and the top two bits of bytes j - 4 and j.
inline void kquant_scale_min(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// The 16 signed 6-bit scales of a q3_K block (stored + 32 in 12 bytes), each minus 32.
void q3_K_scales(const uint8_t* packed, int8_t* scales);

// Each converts k values (a multiple of 256, asserted) from k / 256 blocks.
void dequantize_row_q2_K(const block_q2_K* x, float* y, int64_t k);
void dequantize_row_q3_K(const block_q3_K* x, float* y, int64_t k);
void dequantize_row_q4_K(const block_q4_K* x, float* y, int64_t k);
void dequantize_row_q5_K(const block_q5_K* x, float* y, int64_t k);
void dequantize_row_q6_K(const block_q6_K* x, float* y, int64_t k);
void dequantize_row_iq4_xs(const block_iq4_xs* x, float* y, int64_t k);

// Whether t is one of the 256-value super-block formats above.
bool is_kquant(DType t);
// k values of a row of k-quant blocks of type t, as the functions above.
void dequantize_row_kquant(DType t, const void* blocks, float* y, int64_t k);

// Activations for the k-quant dot products (ggml's quantize_row_q8_K_ref): per 256 values,
// max = the signed value of largest magnitude (the first on a tie), iscale = -127 / max,
// q = min(127, round-half-even(iscale * x)), d = 1 / iscale, bsums the sums of 16 values; an
// all-zero block gets d = 0. For finite input.
void quantize_row_q8_K(const float* x, block_q8_K* y, int64_t k);

}  // namespace r1
