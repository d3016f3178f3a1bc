// Scalar reference Q8_0 / Q4_0 quantisation, written from ggml's definitions so that files we
// write hold the same bytes llama-quantize would write; SIMD kernels are tested against it.
#include "core/quant_blocks.h"

#include <algorithm>
#include <cmath>

#include "core/dtype.h"
#include "core/error.h"

// ggml rounds x * id to float before adding 8.5 (its reference code is built without FMA). With
// -march=native, GCC contracts a*b+c into an FMA even across C++ statements and clang within
// one expression; either would round differently, so contraction is off for this file.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace r1 {

// Finite rows never reach the out-of-range branch; it exists so that hostile rows cannot cause
// undefined behaviour.
int8_t float_to_i8_x86(float v) {
  if (!(v > -2147483648.0f && v < 2147483648.0f)) return 0;  // 0x80000000's low byte
  int32_t i = static_cast<int32_t>(v);
  return static_cast<int8_t>(static_cast<uint8_t>(static_cast<uint32_t>(i) & 0xffu));
}

void quantize_row_q8_0(const float* x, block_q8_0* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK8_0 == 0, "q8_0 rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK8_0; ++i) {
    const float* xb = x + i * kQK8_0;
    float amax = 0.0f;
    for (int j = 0; j < kQK8_0; ++j) {
      float a = std::fabs(xb[j]);
      amax = amax > a ? amax : a;  // ggml's MAX(): keeps its NaN behaviour
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = f32_to_f16(d);
    for (int j = 0; j < kQK8_0; ++j) y[i].qs[j] = float_to_i8_x86(std::round(xb[j] * id));
  }
}

void dequantize_row_q8_0(const block_q8_0* x, float* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK8_0 == 0, "q8_0 rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK8_0; ++i) {
    const float d = f16_to_f32(x[i].d);
    for (int j = 0; j < kQK8_0; ++j) y[i * kQK8_0 + j] = float(x[i].qs[j]) * d;
  }
}

void quantize_row_q4_0(const float* x, block_q4_0* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK4_0 == 0, "q4_0 rows must hold a multiple of 32 values");
  constexpr int kHalf = kQK4_0 / 2;
  for (int64_t i = 0; i < k / kQK4_0; ++i) {
    const float* xb = x + i * kQK4_0;
    float amax = 0.0f;
    float max = 0.0f;  // the signed value of largest magnitude: its sign sets the sign of d
    for (int j = 0; j < kQK4_0; ++j) {
      if (amax < std::fabs(xb[j])) {
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = f32_to_f16(d);
    for (int j = 0; j < kHalf; ++j) {
      const int q0 = std::min(15, int(float_to_i8_x86(xb[j] * id + 8.5f)));
      const int q1 = std::min(15, int(float_to_i8_x86(xb[j + kHalf] * id + 8.5f)));
      // As ggml: both are stored as uint8_t before packing, so only finite rows give clean
      // nibbles (q0, q1 in 0..15); the expression stays defined for any row.
      y[i].qs[j] = static_cast<uint8_t>(uint8_t(q0) | (uint8_t(q1) << 4));
    }
  }
}

void dequantize_row_q4_0(const block_q4_0* x, float* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK4_0 == 0, "q4_0 rows must hold a multiple of 32 values");
  constexpr int kHalf = kQK4_0 / 2;
  for (int64_t i = 0; i < k / kQK4_0; ++i) {
    const float d = f16_to_f32(x[i].d);
    for (int j = 0; j < kHalf; ++j) {
      y[i * kQK4_0 + j] = float((x[i].qs[j] & 0x0f) - 8) * d;
      y[i * kQK4_0 + j + kHalf] = float((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

}  // namespace r1
