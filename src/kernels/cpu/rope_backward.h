// Backward of rope_apply: the transposed (inverse) rotation, in place on the gradient.
#pragma once

#include <cstdint>

#include "kernels/cpu/rope.h"

namespace r1 {

// dx: [T, n_heads, head_stride] holding dL/d(rotated x); rotates dims [offset, offset + dim) of
// each head back by the angles rope_apply used (same arguments), so they then hold dL/d(x before
// the rotation): each pair gets mscale * R(-angle). Other dims are left as they are. Unlike the
// other backward kernels this transforms its buffer instead of adding to it.
void rope_backward(float* dx, int64_t T, int64_t n_heads, int64_t head_stride, int64_t offset,
                   int64_t dim, int64_t pos0, const float* inv_freq, float mscale,
                   RopeLayout layout);

}  // namespace r1
