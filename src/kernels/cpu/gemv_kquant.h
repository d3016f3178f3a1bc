// Decode products for k-quant (Q2_K..Q6_K) and IQ4_XS weights: each weight row dotted in int8,
// super-block by super-block, against a few tokens' activations quantised to q8_K; in the stored
// layout, or 8 rows at once in the interleaved one (core/kquant_rows8.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/kquant_blocks.h"
#include "core/weight_matrix.h"

namespace r1 {

// x: T rows of `in` values (in a multiple of 256), ldx apart -> out: [T, in / 256] q8_K blocks,
// bit for bit core's quantize_row_q8_K.
void quantize_q8_K_rows(const float* x, int64_t ldx, int64_t T, int64_t in,
                        std::vector<block_q8_K>& out);

// The instruction sets the stored-layout kernels can be built for; the tests run every one the
// build has. The interleaved layouts exist only with Avx512Vnni (and ignore `isa`).
enum class KquantIsa { Avx2, Avx512Vnni };
// Whether this build has the kernels for isa (the build's target CPU must have it).
bool kquant_isa_built(KquantIsa isa);
KquantIsa kquant_best_isa();

// Serial: y[t * ldy + r - r0] = W[r, :] . x[t] for r in [r0, r1) and t < T, act = x as q8_K
// blocks [T, W.cols() / 256]. W is a k-quant type (is_kquant) or its X8 layout (r0, r1 then
// multiples of 8). A token's result is the same bit for bit whatever T is. Without AVX2 in the
// build: dequantised rows dotted in float.
void gemv_kquant_rows(const block_q8_K* act, int64_t T, const WeightMatrix& W, int64_t r0,
                      int64_t r1, float* y, int64_t ldy, KquantIsa isa = kquant_best_isa());

}  // namespace r1
