// Prefill products for q8_0/q4_0 weights: y[T, out] = x[T, in] W^T with the activations
// rounded to 8-bit blocks once (act_quant.h) and every weight block dotted in int8 against
// several tokens while it sits in registers, rows split over the default thread pool. Weights
// are never widened to f32 in memory.
#pragma once

#include <cstdint>

#include "core/weight_matrix.h"

namespace r1 {

// x: [T, in], W: [out, in] in Q8_0 or Q4_0 (in a multiple of 32), y: [T, out] (overwritten).
// use_pool false: on the calling thread only.
void gemm_quant(const float* x, int64_t T, const WeightMatrix& W, float* y, bool use_pool = true);

}  // namespace r1
