// Matrix-vector products for decode: y[T, out] = x[T, in] W^T for a few tokens T, reading each
// weight once in its stored format (f32, bf16, f16, fp8 with block scales) and widening it in
// registers, rows split over the default thread pool. Decode is bound by the bytes of weights
// read, so no f32 copy of a quantised weight is ever made. Block formats (q8_0, q4_0, the
// k-quants, IQ4_XS) are dotted in int8 against activations quantised to 8 bits.
#pragma once

#include <cstdint>
#include <vector>

#include "core/kquant_blocks.h"
#include "core/weight_matrix.h"
#include "kernels/cpu/act_quant.h"

namespace r1 {

// Largest T for which linear() uses gemv() for every format; above it the weights are
// dequantised by panels and multiplied by sgemm (compute-bound prefill), or go to the int8 GEMM.
constexpr int64_t kGemvMaxTokens = 4;
// bf16 and f16 weights stay in gemv() up to this T (a batch of decoding sequences): it widens
// each weight once per 4 tokens in registers instead of writing a dequantised copy for sgemm
// (faster up to ~16-24 tokens on 2 cores; r1_linear_bench).
constexpr int64_t kGemvWidenedMaxTokens = 16;

// Whether linear() multiplies T tokens by W through gemv().
bool gemv_takes(const WeightMatrix& W, int64_t T);

// The layout the decode kernels read fastest: where the CPU has the interleaved kernels
// (AVX-512 VNNI), a Q8_0/Q4_0 or k-quant matrix whose rows are a multiple of 8 becomes a new
// owning Q8_0_X8/Q4_0_X8 (core/quant_rows8.h) or Q4_K_X8... (core/kquant_rows8.h) tensor, which
// the prefill kernels and dequantize_rows read too; anything else is returned as it is.
WeightMatrix to_decode_layout(const WeightMatrix& W);

// x: [T, in], W: [out, in], y: [T, out] (overwritten).
void gemv(const float* x, int64_t T, const WeightMatrix& W, float* y);

// Serial kernels on the row range [r0, r1) of W, for callers that parallelise themselves (one
// attention head per task). Token t's input row starts at x + t * ldx, its output at y + t * ldy.
// gemv_rows: y[t, r - r0] = W[r, :] . x[t, :]
void gemv_rows(const float* x, int64_t ldx, int64_t T, const WeightMatrix& W, int64_t r0,
               int64_t r1, float* y, int64_t ldy);
// x quantised once for the integer kernels of every product that reads it (one per input x):
// 32-value blocks for q8_0/q4_0 weights, q8_K super-blocks for the k-quants; each is filled
// when a weight that reads it asks (quantize_input), else left empty.
struct QuantizedInput {
  std::vector<ActBlock> blocks;     // [T, in / 32]
  std::vector<block_q8_K> kblocks;  // [T, in / 256]
};
// Fills what W's kernels read from x [T, W.cols()] (rows ldx apart), unless act holds it already.
void quantize_input(const WeightMatrix& W, const float* x, int64_t ldx, int64_t T,
                    QuantizedInput& act);
// gemv_rows with x already quantised by quantize_input(W, x, ldx, T, act).
void gemv_rows_quantized(const float* x, int64_t ldx, const QuantizedInput& act, int64_t T,
                         const WeightMatrix& W, int64_t r0, int64_t r1, float* y, int64_t ldy);
// gevm_rows (x^T W): y[t, c] = sum over r in [r0, r1) of x[t, r - r0] * W[r, c]
void gevm_rows(const float* x, int64_t ldx, int64_t T, const WeightMatrix& W, int64_t r0,
               int64_t r1, float* y, int64_t ldy);

// The same product through dequantize_rows and a plain double-accumulated dot: the reference
// the SIMD kernels are tested against.
void gemv_reference(const float* x, int64_t T, const WeightMatrix& W, float* y);

}  // namespace r1
