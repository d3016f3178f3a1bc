// WeightMatrix: a linear layer's weight [out, in] in its stored dtype (f32, bf16, f16 or
// fp8-e4m3 with per-block scales), read directly by the matmul kernels without a full copy (see
// kernels/cpu/dequant.h).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace r1 {

struct WeightMatrix {
  Tensor w;          // [out, in], any float dtype
  Tensor scale_inv;  // fp8 only: [ceil(out/block_rows), ceil(in/block_cols)] f32
  int64_t block_rows = 128;
  int64_t block_cols = 128;

  int64_t rows() const { return w.dim(0); }
  int64_t cols() const { return w.dim(1); }
  bool defined() const { return w.defined(); }
};

}  // namespace r1
