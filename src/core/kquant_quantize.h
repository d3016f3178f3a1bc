// Reference quantisation of float rows into ggml's k-quant, IQ4_XS and IQ4_NL blocks, bit-for-bit
// as llama-quantize writes them without an importance matrix.
#pragma once

#include <cstdint>

#include "core/kquant_blocks.h"
#include "core/quant_blocks_legacy.h"

namespace r1 {

// Each converts a row of k values, k a multiple of 256 (32 for IQ4_NL; asserted), into blocks.
// The result equals ggml's quantize_row_q2_K_ref .. q6_K_ref (what quantize_q*_K does with no
// importance matrix) and quantize_iq4_xs / quantize_iq4_nl with no weights (7 scale trials
// each side); every step in float as ggml's C does, with divisions where ggml divides, fp16
// rounded to nearest even, and nearest_int's 12582912 trick (ties to even). NaN or infinite
// input gives whatever ggml's arithmetic gives, never undefined behaviour.
void quantize_row_q2_K(const float* x, block_q2_K* y, int64_t k);
void quantize_row_q3_K(const float* x, block_q3_K* y, int64_t k);
void quantize_row_q4_K(const float* x, block_q4_K* y, int64_t k);
void quantize_row_q5_K(const float* x, block_q5_K* y, int64_t k);
void quantize_row_q6_K(const float* x, block_q6_K* y, int64_t k);
void quantize_row_iq4_xs(const float* x, block_iq4_xs* y, int64_t k);
void quantize_row_iq4_nl(const float* x, block_iq4_nl* y, int64_t k);

}  // namespace r1
