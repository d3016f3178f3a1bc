// The 8-row interleaved layouts of k-quant and IQ4_XS matrices (DType Q2_K_X8 .. IQ4_XS_X8), in
// which the AVX-512 VNNI kernels dot 8 rows at once, one row per int32 lane. Super-block b of
// rows 8g..8g+7 is one block of 8 x sizeof(block) bytes; each field of ggml's block sits at 8x
// its offset there with its units interleaved: unit k of row i at 8 * offset + (8 k + i) * unit,
// the unit 2 bytes for the 16-bit fields (so d[8] is contiguous) and 4 bytes for the others. A
// 32-byte load of a byte field is 4 bytes of each of the 8 rows.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/tensor.h"

namespace r1 {

bool is_kquant_x8(DType t);
DType kquant_x8_of(DType base);  // Q4_K -> Q4_K_X8
DType kquant_base_of(DType x8);  // Q4_K_X8 -> Q4_K

// A k-quant [out, in] tensor (out a multiple of 8) -> an owning X8 tensor of the same shape.
Tensor interleave_kquant_rows8(const Tensor& t);

// Row r of an X8 tensor [out, in] as in / 256 blocks of its base type, in ggml's layout.
void extract_kquant_row8(const Tensor& t, int64_t r, void* blocks);

// Rows [r0, r1) of a k-quant tensor or its X8 layout [out, in] -> out [r1 - r0, in], ggml's
// dequantisation.
void dequantize_kquant_rows(const Tensor& t, int64_t r0, int64_t r1, float* out);

}  // namespace r1
