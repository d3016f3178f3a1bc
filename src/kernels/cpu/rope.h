// Rotary position embedding applied in place to a slice of every head, and its backward.
#pragma once

#include <cstdint>

namespace r1 {

enum class RopeLayout {
  Interleaved,  // pairs (x[2i], x[2i+1]): the DeepSeek weights' convention
  HalfSplit,    // pairs (x[i], x[i + dim/2]): Llama/Qwen2 rotate_half
};

// x: [T, n_heads, head_stride]; rotates dims [offset, offset + dim) of each head of token t by
// angles (pos0 + t) * inv_freq[i], i < dim/2, with cos and sin multiplied by `mscale`.
void rope_apply(float* x, int64_t T, int64_t n_heads, int64_t head_stride, int64_t offset,
                int64_t dim, int64_t pos0, const float* inv_freq, float mscale, RopeLayout layout);

// Backward of rope_apply: dx: [T, n_heads, head_stride] holding dL/d(rotated x); rotates dims
// [offset, offset + dim) of each head back by the angles rope_apply used (same arguments), so
// they then hold dL/d(x before the rotation): each pair gets mscale * R(-angle). Other dims are
// left as they are. Unlike the other backward kernels this transforms its buffer instead of
// adding to it.
void rope_backward(float* dx, int64_t T, int64_t n_heads, int64_t head_stride, int64_t offset,
                   int64_t dim, int64_t pos0, const float* inv_freq, float mscale,
                   RopeLayout layout);

}  // namespace r1
