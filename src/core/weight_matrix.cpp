// Row-panel dequantisation of stored weights into f32.
#include "core/weight_matrix.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace r1 {

void WeightMatrix::rows_to_f32(int64_t r0, int64_t r1, float* out) const {
  const int64_t n = cols();
  const int64_t count = (r1 - r0) * n;
  switch (w.dtype) {
    case DType::F32: std::memcpy(out, w.f32() + r0 * n, size_t(count) * 4); break;
    case DType::BF16: {
      const uint16_t* src = w.as<uint16_t>() + r0 * n;
      for (int64_t i = 0; i < count; ++i) out[i] = bf16_to_f32(src[i]);
      break;
    }
    case DType::F16: {
      const uint16_t* src = w.as<uint16_t>() + r0 * n;
      for (int64_t i = 0; i < count; ++i) out[i] = f16_to_f32(src[i]);
      break;
    }
    case DType::F8_E4M3: {
      static const auto table = [] {
        struct T {
          float v[256];
        } t;
        for (int c = 0; c < 256; ++c) t.v[c] = fp8_e4m3_to_f32(uint8_t(c));
        return t;
      }();
      const uint8_t* src = w.as<uint8_t>();
      const float* scales = scale_inv.f32();
      const int64_t scale_cols = scale_inv.dim(1);
      for (int64_t r = r0; r < r1; ++r) {
        const float* srow = scales + (r / block_rows) * scale_cols;
        const uint8_t* wrow = src + r * n;
        float* orow = out + (r - r0) * n;
        for (int64_t c0 = 0, b = 0; c0 < n; c0 += block_cols, ++b) {
          const float scale = srow[b];
          const int64_t c1 = std::min(n, c0 + block_cols);
          for (int64_t c = c0; c < c1; ++c) orow[c] = table.v[wrow[c]] * scale;
        }
      }
      break;
    }
    default: R1_ASSERT_MSG(false, "WeightMatrix with non-float dtype");
  }
}

}  // namespace r1
