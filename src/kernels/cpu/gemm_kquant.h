// Prefill products for k-quant (Q2_K..Q6_K) and IQ4_XS weights: y[T, out] = x[T, in] W^T with
// the activations quantised to q8_K once and each weight super-block unpacked to int8 in
// registers once per group of tokens (4 in the stored layout, 6 in the interleaved one), rows
// split over the default thread pool.
#pragma once

#include <cstdint>

#include "core/weight_matrix.h"

namespace r1 {

// x: [T, in], W: [out, in] of a k-quant type or its X8 layout (in a multiple of 256), y: [T, out]
// (overwritten).
// use_pool false: on the calling thread only.
void gemm_kquant(const float* x, int64_t T, const WeightMatrix& W, float* y, bool use_pool = true);

}  // namespace r1
