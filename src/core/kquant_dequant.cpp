// Scalar k-quant/IQ4_XS dequantisation and q8_K activation quantisation, written from ggml's
// definitions: every product is a separate float rounding in ggml's order (no fused multiply-add).
#include "core/kquant_dequant.h"

#include <cmath>
#include <cstring>

#include "core/error.h"

namespace r1 {

void q3_K_scales(const uint8_t* packed, int8_t* scales) {
  // Bytes 0..7: the low 4 bits of scales 0..7 (low nibbles) and 8..15 (high nibbles); bytes
  // 8..11: the high 2 bits, scale i's in byte 8 + i % 4 at bit 2 * (i / 4).
  for (int i = 0; i < 16; ++i) {
    const int low = (packed[i % 8] >> (4 * (i / 8))) & 0xF;
    const int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
    scales[i] = int8_t((low | (high << 4)) - 32);
  }
}

void dequantize_row_q2_K(const block_q2_K* x, float* y, int64_t k) {
  R1_ASSERT(k % kQK_K == 0);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    const float d = f16_to_f32(x[i].d), dmin = f16_to_f32(x[i].dmin);
    const uint8_t* q = x[i].qs;
    int is = 0;
    // Two halves of 128 values; in each, 32 bytes hold four 2-bit planes of 32 values, each
    // plane two sub-blocks of 16.
    for (int n = 0; n < kQK_K; n += 128, q += 32)
      for (int shift = 0; shift < 8; shift += 2)
        for (int half = 0; half < 2; ++half) {
          const uint8_t sc = x[i].scales[is++];
          const float dl = d * float(sc & 0xF), ml = dmin * float(sc >> 4);
          for (int l = 0; l < 16; ++l) *y++ = dl * float((q[l + 16 * half] >> shift) & 3) - ml;
        }
  }
}

void dequantize_row_q3_K(const block_q3_K* x, float* y, int64_t k) {
  R1_ASSERT(k % kQK_K == 0);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    const float d = f16_to_f32(x[i].d);
    int8_t scales[16];
    q3_K_scales(x[i].scales, scales);
    const uint8_t* q = x[i].qs;
    const uint8_t* hm = x[i].hmask;
    uint8_t m = 1;
    int is = 0;
    for (int n = 0; n < kQK_K; n += 128, q += 32)
      for (int shift = 0; shift < 8; shift += 2, m = uint8_t(m << 1))
        for (int half = 0; half < 2; ++half) {
          const float dl = d * float(scales[is++]);
          for (int l = 16 * half; l < 16 * half + 16; ++l)
            *y++ = dl * float(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
        }
  }
}

void dequantize_row_q4_K(const block_q4_K* x, float* y, int64_t k) {
  R1_ASSERT(k % kQK_K == 0);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    const float d = f16_to_f32(x[i].d), dmin = f16_to_f32(x[i].dmin);
    const uint8_t* q = x[i].qs;
    for (int j = 0; j < 8; j += 2, q += 32) {  // 64 values: low nibbles, then high ones
      uint8_t sc, m;
      kquant_scale_min(j, x[i].scales, &sc, &m);
      const float d1 = d * float(sc), m1 = dmin * float(m);
      kquant_scale_min(j + 1, x[i].scales, &sc, &m);
      const float d2 = d * float(sc), m2 = dmin * float(m);
      for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
    }
  }
}

void dequantize_row_q5_K(const block_q5_K* x, float* y, int64_t k) {
  R1_ASSERT(k % kQK_K == 0);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    const float d = f16_to_f32(x[i].d), dmin = f16_to_f32(x[i].dmin);
    const uint8_t* ql = x[i].qs;
    const uint8_t* qh = x[i].qh;
    // Sub-block j's fifth bits are bit j of qh[l].
    for (int j = 0; j < 8; j += 2, ql += 32) {
      uint8_t sc, m;
      kquant_scale_min(j, x[i].scales, &sc, &m);
      const float d1 = d * float(sc), m1 = dmin * float(m);
      kquant_scale_min(j + 1, x[i].scales, &sc, &m);
      const float d2 = d * float(sc), m2 = dmin * float(m);
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * float((ql[l] & 0xF) + ((qh[l] >> j) & 1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * float((ql[l] >> 4) + ((qh[l] >> (j + 1)) & 1 ? 16 : 0)) - m2;
    }
  }
}

void dequantize_row_q6_K(const block_q6_K* x, float* y, int64_t k) {
  R1_ASSERT(k % kQK_K == 0);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    const float d = f16_to_f32(x[i].d);
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    // Per 128 values: value l + 32 * p (p = 0..3) takes its low 4 bits from ql[l + 32 * (p & 1)]
    // (low nibble for p < 2) and its high 2 bits from bits 2p..2p+1 of qh[l].
    for (int n = 0; n < kQK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8)
      for (int l = 0; l < 32; ++l)
        for (int p = 0; p < 4; ++p) {
          const int low = (ql[l + 32 * (p & 1)] >> (4 * (p >> 1))) & 0xF;
          const int q = (low | (((qh[l] >> (2 * p)) & 3) << 4)) - 32;
          y[l + 32 * p] = d * float(sc[l / 16 + 2 * p]) * float(q);
        }
  }
}

void dequantize_row_iq4_xs(const block_iq4_xs* x, float* y, int64_t k) {
  R1_ASSERT(k % kQK_K == 0);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    const float d = f16_to_f32(x[i].d);
    const uint8_t* qs = x[i].qs;
    for (int ib = 0; ib < 8; ++ib, y += 32, qs += 16) {
      const int ls = ((x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) |
                     (((x[i].scales_h >> (2 * ib)) & 3) << 4);
      const float dl = d * float(ls - 32);
      for (int j = 0; j < 16; ++j) {
        y[j] = dl * float(kIq4nlValues[qs[j] & 0xF]);
        y[j + 16] = dl * float(kIq4nlValues[qs[j] >> 4]);
      }
    }
  }
}

bool is_kquant(DType t) {
  return t == DType::Q2_K || t == DType::Q3_K || t == DType::Q4_K || t == DType::Q5_K ||
         t == DType::Q6_K || t == DType::IQ4_XS;
}

void dequantize_row_kquant(DType t, const void* blocks, float* y, int64_t k) {
  switch (t) {
    case DType::Q2_K:
      return dequantize_row_q2_K(static_cast<const block_q2_K*>(blocks), y, k);
    case DType::Q3_K:
      return dequantize_row_q3_K(static_cast<const block_q3_K*>(blocks), y, k);
    case DType::Q4_K:
      return dequantize_row_q4_K(static_cast<const block_q4_K*>(blocks), y, k);
    case DType::Q5_K:
      return dequantize_row_q5_K(static_cast<const block_q5_K*>(blocks), y, k);
    case DType::Q6_K:
      return dequantize_row_q6_K(static_cast<const block_q6_K*>(blocks), y, k);
    case DType::IQ4_XS:
      return dequantize_row_iq4_xs(static_cast<const block_iq4_xs*>(blocks), y, k);
    default:
      R1_ASSERT_MSG(false, "dequantize_row_kquant: not a k-quant dtype");
  }
}

void quantize_row_q8_K(const float* x, block_q8_K* y, int64_t k) {
  R1_ASSERT(k % kQK_K == 0);
  for (int64_t i = 0; i < k / kQK_K; ++i, x += kQK_K) {
    float max = 0.0f, amax = 0.0f;
    for (int j = 0; j < kQK_K; ++j)
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
    std::memset(&y[i], 0, sizeof(block_q8_K));
    if (amax == 0.0f) continue;
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQK_K; ++j) {
      // Round half to even, as ggml's nearest_int (|iscale * x| <= 127 here).
      const int v = int(std::nearbyint(iscale * x[j]));
      y[i].qs[j] = int8_t(v < 127 ? v : 127);
    }
    for (int j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[i].qs[16 * j + l];
      y[i].bsums[j] = int16_t(sum);
    }
    y[i].d = 1.0f / iscale;
  }
}

}  // namespace r1
