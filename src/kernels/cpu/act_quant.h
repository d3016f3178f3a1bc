// Activations rounded to 8 bits per 32-value block (d = amax / 127, as llama.cpp's q8_0), for
// the integer dot products of the q8_0/q4_0 GEMV and GEMM kernels.
#pragma once

#include <cstdint>
#include <vector>

namespace r1 {

// x[j] ~= qs[j] * d for the 32 values of one block; sum = sum of qs (the VNNI kernels fold
// an unsigned offset of the weights back out with it).
struct ActBlock {
  float d;
  int32_t sum;
  int8_t qs[32];
};

// x: T rows of `in` values (in a multiple of 32), ldx apart -> out: [T, in / 32] blocks.
void quantize_activations(const float* x, int64_t ldx, int64_t T, int64_t in,
                          std::vector<ActBlock>& out);

}  // namespace r1
