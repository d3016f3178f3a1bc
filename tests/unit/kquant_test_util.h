// Random k-quant / IQ4_XS weight matrices for kernel tests: every byte random (all bit patterns
// of values, scales and high bits), the fp16 super-block scales finite and of either sign.
#pragma once

#include <random>

#include "core/weight_matrix.h"

namespace r1::test {

// [out, in] (in a multiple of 256) of `dtype`; |d|, |dmin| in [0.005, 0.02).
WeightMatrix random_kquant_matrix(DType dtype, int64_t out, int64_t in, std::mt19937& rng);

}  // namespace r1::test
