// Dequantisation of stored weight rows (bf16, f16, fp8-e4m3 with block scales, q8_0, q4_0, the
// k-quants and IQ4_XS) into f32, with AVX2/F16C paths and scalar fallbacks that give identical
// results.
#pragma once

#include <cstdint>

#include "core/quant_blocks.h"
#include "core/weight_matrix.h"

namespace r1 {

// out: [r1 - r0, W.cols()] f32, row-major.
void dequantize_rows(const WeightMatrix& W, int64_t r0, int64_t r1, float* out);

// Row converters (n elements); fp8 values are multiplied by `scale`.
void bf16_to_f32_row(const uint16_t* src, float* out, int64_t n);
void f16_to_f32_row(const uint16_t* src, float* out, int64_t n);
void fp8_to_f32_row(const uint8_t* src, float scale, float* out, int64_t n);
// n values (a multiple of 32) from n / 32 blocks.
void q8_0_to_f32_row(const block_q8_0* src, float* out, int64_t n);
void q4_0_to_f32_row(const block_q4_0* src, float* out, int64_t n);

}  // namespace r1
