// Scalar reference Q5_0 / Q5_1 quantisation and Q5_0 / Q5_1 / IQ4_NL dequantisation, written
// from ggml's definitions so that r1 reads and writes llama-quantize's fallback tensors exactly.
#include "core/quant_blocks_legacy.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "core/dtype.h"
#include "core/error.h"

// ggml's reference code is built without FMA: x * id is rounded to float before the offset is
// added. -march=native would let the compiler contract the two, so contraction is off here.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace r1 {

namespace {

constexpr int kHalf = 16;  // elements j and j + 16 share a byte of qs

// Packs 32 five-bit values: low nibbles into qs, fifth bits into the little-endian uint32 qh.
void pack5(const uint8_t* q, uint8_t* qs, uint8_t* qh) {
  uint32_t h = 0;
  for (int j = 0; j < kHalf; ++j) {
    qs[j] = uint8_t((q[j] & 0x0f) | ((q[j + kHalf] & 0x0f) << 4));
    h |= uint32_t((q[j] & 0x10u) >> 4) << j;
    h |= uint32_t((q[j + kHalf] & 0x10u) >> 4) << (j + kHalf);
  }
  std::memcpy(qh, &h, 4);
}

// The 32 five-bit values of a q5_0 / q5_1 block.
void unpack5(const uint8_t* qs, const uint8_t* qh, int* q) {
  uint32_t h;
  std::memcpy(&h, qh, 4);
  for (int j = 0; j < kHalf; ++j) {
    q[j] = (qs[j] & 0x0f) | int(((h >> j) << 4) & 0x10);
    q[j + kHalf] = (qs[j] >> 4) | int((h >> (j + 12)) & 0x10);
  }
}

}  // namespace

void quantize_row_q5_0(const float* x, block_q5_0* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK5_0 == 0, "q5_0 rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK5_0; ++i) {
    const float* xb = x + i * kQK5_0;
    float amax = 0.0f, max = 0.0f;  // max: the signed value of largest magnitude, the first
    for (int j = 0; j < kQK5_0; ++j) {
      if (amax < std::fabs(xb[j])) {
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = f32_to_f16(d);
    uint8_t q[kQK5_0];
    for (int j = 0; j < kQK5_0; ++j) {
      const float v = xb[j] * id;
      q[j] = uint8_t(std::min(31, int(float_to_i8_x86(v + 16.5f))));
    }
    pack5(q, y[i].qs, y[i].qh);
  }
}

void quantize_row_q5_1(const float* x, block_q5_1* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK5_1 == 0, "q5_1 rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK5_1; ++i) {
    const float* xb = x + i * kQK5_1;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kQK5_1; ++j) {
      if (xb[j] < min) min = xb[j];
      if (xb[j] > max) max = xb[j];
    }
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = f32_to_f16(d);
    y[i].m = f32_to_f16(min);
    uint8_t q[kQK5_1];
    for (int j = 0; j < kQK5_1; ++j) {
      const float v = (xb[j] - min) * id;
      q[j] = uint8_t(float_to_i8_x86(v + 0.5f));  // ggml's (uint8_t) cast: no clamp
    }
    pack5(q, y[i].qs, y[i].qh);
  }
}

void dequantize_row_q5_0(const block_q5_0* x, float* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK5_0 == 0, "q5_0 rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK5_0; ++i) {
    const float d = f16_to_f32(x[i].d);
    int q[kQK5_0];
    unpack5(x[i].qs, x[i].qh, q);
    for (int j = 0; j < kQK5_0; ++j) y[i * kQK5_0 + j] = float(q[j] - 16) * d;
  }
}

void dequantize_row_q5_1(const block_q5_1* x, float* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK5_1 == 0, "q5_1 rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK5_1; ++i) {
    const float d = f16_to_f32(x[i].d), m = f16_to_f32(x[i].m);
    int q[kQK5_1];
    unpack5(x[i].qs, x[i].qh, q);
    for (int j = 0; j < kQK5_1; ++j) y[i * kQK5_1 + j] = float(q[j]) * d + m;
  }
}

void dequantize_row_iq4_nl(const block_iq4_nl* x, float* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK4_NL == 0, "iq4_nl rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK4_NL; ++i) {
    const float d = f16_to_f32(x[i].d);
    for (int j = 0; j < kHalf; ++j) {
      y[i * kQK4_NL + j] = d * float(kIq4nlGrid[x[i].qs[j] & 0x0f]);
      y[i * kQK4_NL + j + kHalf] = d * float(kIq4nlGrid[x[i].qs[j] >> 4]);
    }
  }
}

void q5_0_to_q8_0(const block_q5_0* x, block_q8_0* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK5_0 == 0, "q5_0 rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK5_0; ++i) {
    int q[kQK5_0];
    unpack5(x[i].qs, x[i].qh, q);
    y[i].d = x[i].d;
    for (int j = 0; j < kQK5_0; ++j) y[i].qs[j] = int8_t(q[j] - 16);
  }
}

void iq4_nl_to_q8_0(const block_iq4_nl* x, block_q8_0* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK4_NL == 0, "iq4_nl rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK4_NL; ++i) {
    y[i].d = x[i].d;
    for (int j = 0; j < kHalf; ++j) {
      y[i].qs[j] = kIq4nlGrid[x[i].qs[j] & 0x0f];
      y[i].qs[j + kHalf] = kIq4nlGrid[x[i].qs[j] >> 4];
    }
  }
}

}  // namespace r1
