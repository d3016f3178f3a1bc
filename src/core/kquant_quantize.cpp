// Scalar reference k-quant / IQ4 quantisation, written from ggml's definitions (ggml-quants.c,
// Feb 2025) so that r1 convert writes the bytes llama-quantize writes.
#include "core/kquant_quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/dtype.h"
#include "core/error.h"

// ggml's reference code is built without FMA (ggml-base has no -march), so every product is
// rounded to float before it is added. -march=native would let the compiler contract them.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace r1 {

namespace {

constexpr float kGroupMaxEps = 1e-15f;  // ggml's GROUP_MAX_EPS: smaller groups count as zero

// Round to nearest (ties to even) for |v| < 2^22: adding 1.5 * 2^23 leaves the integer in the
// low mantissa bits. Any other input gives the same bits ggml's nearest_int gives.
int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  int32_t i;
  std::memcpy(&i, &shifted, 4);
  return (i & 0x007fffff) - 0x00400000;
}

int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

// The signed value of largest magnitude among n (the first on a tie) and its magnitude.
float signed_amax(const float* x, int n, float* amax) {
  float max = 0.0f;
  *amax = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > *amax) {
      *amax = ax;
      max = x[i];
    }
  }
  return max;
}

// Symmetric levels L in [0, 2*nmax) for x ~= scale * (L - nmax), weights x^2 (ggml's
// make_qx_quants with rmse_type 1 and no importance): the scale from -nmax/max, then 18 nearby
// trial scales, keeping the one with the best weighted least-squares fit.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L) {
  float amax;
  const float max = signed_amax(x, n, &amax);
  if (amax < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.0f;
  }
  // Weighted sums sum w*x*l and sum w*l*l for the levels at iscale.
  auto fit = [&](float iscale, float* sumlx, float* suml2) {
    *sumlx = 0.0f;
    *suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1);
      const float w = x[i] * x[i];
      *sumlx += w * x[i] * float(l);
      *suml2 += w * float(l) * float(l);
    }
  };
  auto set_levels = [&](float iscale) {
    for (int i = 0; i < n; ++i)
      L[i] = int8_t(nmax + clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1));
  };
  float iscale = float(-nmax) / max;
  float sumlx, suml2;
  fit(iscale, &sumlx, &suml2);
  set_levels(iscale);
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(float(nmax) + 0.1f * float(is)) / max;
    fit(iscale, &sumlx, &suml2);
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      set_levels(iscale);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Symmetric 3-bit levels L in [0, 8) for x ~= scale * (L - 4) (ggml's make_q3_quants with rmse):
// levels from -4/max, then up to 5 rounds of moving single levels while the weighted (x^2) fit
// improves.
float make_q3_quants(int n, const float* x, int8_t* L) {
  constexpr int nmax = 4;
  float amax;
  const float max = signed_amax(x, n, &amax);
  if (amax < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.0f;
  }
  const float iscale = float(-nmax) / max;
  float sumlx = 0.0f, suml2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1);
    L[i] = int8_t(l);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * float(l);
    suml2 += w * float(l) * float(l);
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * float(L[i]);
      if (!(slx > 0)) continue;
      float sl2 = suml2 - w * float(L[i]) * float(L[i]);
      const int new_l = clamp(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
      if (new_l == L[i]) continue;
      slx += w * x[i] * float(new_l);
      sl2 += w * float(new_l) * float(new_l);
      if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
        L[i] = int8_t(new_l);
        sumlx = slx;
        suml2 = sl2;
        ++n_changed;
      }
    }
    if (!n_changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = int8_t(L[i] + nmax);
  return sumlx / suml2;
}

// Asymmetric levels L in [0, nmax] for x ~= scale * L - the_min (ggml's make_qkx2_quants): the
// range [min(x, 0), max(x)] split evenly, then nstep + 1 trial scales (rmin + rdelta * is + nmax
// steps over the range), each with its weighted least-squares scale and min, keeping the lowest
// weighted error (absolute with use_mad, else squared). Returns the scale.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, float rmin, float rdelta, int nstep, bool use_mad) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *the_min = -min;
    return 0.0f;
  }
  auto error = [&](float scale, float mn, const uint8_t* levels) {
    float e = 0.0f;
    for (int i = 0; i < n; ++i) {
      float diff = scale * float(levels[i]) + mn - x[i];
      diff = use_mad ? std::fabs(diff) : diff * diff;
      e += weights[i] * diff;
    }
    return e;
  };
  float iscale = float(nmax) / (max - min);
  float scale = 1 / iscale;
  for (int i = 0; i < n; ++i) L[i] = uint8_t(clamp(nearest_int(iscale * (x[i] - min)), 0, nmax));
  float best_mad = error(scale, min, L);
  uint8_t Laux[32];
  R1_ASSERT(n <= 32);
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * float(is) + float(nmax)) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = clamp(nearest_int(iscale * (x[i] - min)), 0, nmax);
      Laux[i] = uint8_t(l);
      const float w = weights[i];
      sum_l += w * float(l);
      sum_l2 += w * float(l) * float(l);
      sum_xl += w * float(l) * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (!(D > 0)) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
    if (this_min > 0) {
      this_min = 0;
      this_scale = sum_xl / sum_l2;
    }
    const float mad = error(this_scale, this_min, Laux);
    if (mad < best_mad) {
      std::memcpy(L, Laux, size_t(n));
      best_mad = mad;
      scale = this_scale;
      min = this_min;
    }
  }
  *the_min = -min;
  return scale;
}

// Packs 2-bit levels of 256 values: byte 32*h + l of qs holds L[128h + l + 32s] at bits 2s.
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK_K; j += 128)
    for (int l = 0; l < 32; ++l)
      qs[j / 4 + l] = uint8_t(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                              (L[j + l + 96] << 6));
}

// Sub-block j's 6-bit scale and min from q4_K/q5_K's 12 packed bytes (ggml's get_scale_min_k4).
void scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// q4_K / q5_K: 8 sub-blocks of 32 with asymmetric levels L in [0, nmax] (make_qkx2_quants with
// weights av_x + |x|), their scales and mins quantised to 6 bits against the largest of each,
// then the levels recomputed against the quantised scales. Fills d, dmin, scales and L.
void quantize_k4_superblock(const float* x, int nmax, float rmin, int nstep, uint16_t* d,
                            uint16_t* dmin, uint8_t* packed, uint8_t* L) {
  float mins[8], scales[8], weights[32];
  float max_scale = 0, max_min = 0;  // the scales are positive: the min is subtracted
  for (int j = 0; j < 8; ++j) {
    const float* xb = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xb[l] * xb[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xb[l]);
    scales[j] =
        make_qkx2_quants(32, nmax, xb, weights, L + 32 * j, &mins[j], rmin, 0.1f, nstep, false);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  for (int j = 0; j < 8; ++j) {
    // As ggml: nearest_int's int stored in a uint8_t (mod 256) before the clamp to 63.
    const uint8_t ls = std::min(uint8_t(63), uint8_t(nearest_int(inv_scale * scales[j])));
    const uint8_t lm = std::min(uint8_t(63), uint8_t(nearest_int(inv_min * mins[j])));
    if (j < 4) {
      packed[j] = ls;
      packed[j + 4] = lm;
    } else {
      packed[j + 4] = uint8_t((ls & 0xF) | ((lm & 0xF) << 4));
      packed[j - 4] |= uint8_t((ls >> 4) << 6);
      packed[j] |= uint8_t((lm >> 4) << 6);
    }
  }
  *d = f32_to_f16(max_scale / 63.f);
  *dmin = f32_to_f16(max_min / 63.f);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    scale_min_k4(j, packed, &sc, &m);
    const float dj = f16_to_f32(*d) * float(sc);
    if (!dj) continue;  // keeps make_qkx2_quants' levels, as ggml does
    const float dm = f16_to_f32(*dmin) * float(m);
    for (int ii = 0; ii < 32; ++ii)
      L[32 * j + ii] = uint8_t(clamp(nearest_int((x[32 * j + ii] + dm) / dj), 0, nmax));
  }
}

// ggml's best_index_int8: the index of the grid value nearest v (the upper one on a tie).
int best_index_iq4(float v) {
  const int8_t* g = kIq4nlGrid;
  if (v <= float(g[0])) return 0;
  if (v >= float(g[15])) return 15;
  int ml = 0, mu = 15;
  while (mu - ml > 1) {
    const int mav = (ml + mu) / 2;
    if (v < float(g[mav]))
      mu = mav;
    else
      ml = mav;
  }
  return v - float(g[mu - 1]) < float(g[mu]) - v ? mu - 1 : mu;
}

// Weighted (x^2) fit of 32 values to grid levels at inverse scale id: sum w*q*x and sum w*q*q.
void iq4_fit(const float* xb, float id, float* sumqx, float* sumq2, uint8_t* levels) {
  *sumqx = 0;
  *sumq2 = 0;
  for (int j = 0; j < 32; ++j) {
    const int l = best_index_iq4(id * xb[j]);
    if (levels) levels[j] = uint8_t(l);
    const float q = float(kIq4nlGrid[l]);
    const float w = xb[j] * xb[j];
    *sumqx += w * q * xb[j];
    *sumq2 += w * q * q;
  }
}

// The scale of 32 values on the non-linear grid (ggml's quantize_row_iq4_nl_impl for one block
// with no importance, ntry = 7): from -max / -127, then 15 trial inverse scales (itry - 127) /
// max, keeping the best least-squares fit. 0 for a block that counts as zero.
float iq4_block_scale(const float* xb) {
  constexpr int ntry = 7;
  float amax;
  const float max = signed_amax(xb, 32, &amax);
  if (amax < kGroupMaxEps) return 0.0f;
  float d = -max / float(kIq4nlGrid[0]);
  float sumqx, sumq2;
  iq4_fit(xb, 1 / d, &sumqx, &sumq2, nullptr);
  d = sumqx / sumq2;
  float best = d * sumqx;
  for (int itry = -ntry; itry <= ntry; ++itry) {
    iq4_fit(xb, float(itry + kIq4nlGrid[0]) / max, &sumqx, &sumq2, nullptr);
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

// 32 grid indices at inverse scale id, packed as q4_0's nibbles.
void iq4_pack(const float* xb, float id, uint8_t* qs) {
  uint8_t L[32];
  for (int j = 0; j < 32; ++j) L[j] = uint8_t(best_index_iq4(id * xb[j]));
  for (int j = 0; j < 16; ++j) qs[j] = uint8_t(L[j] | (L[16 + j] << 4));
}

}  // namespace

void quantize_row_q2_K(const float* x, block_q2_K* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK_K == 0, "q2_K rows must hold a multiple of 256 values");
  constexpr float q4scale = 15.f;
  for (int64_t i = 0; i < k / kQK_K; ++i, x += kQK_K) {
    uint8_t L[kQK_K];
    float mins[16], scales[16], weights[16];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] =
          make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      const float iscale = q4scale / max_scale;
      for (int j = 0; j < 16; ++j) y[i].scales[j] = uint8_t(nearest_int(iscale * scales[j]));
      y[i].d = f32_to_f16(max_scale / q4scale);
    } else {
      for (int j = 0; j < 16; ++j) y[i].scales[j] = 0;
      y[i].d = f32_to_f16(0.f);
    }
    if (max_min > 0) {
      const float iscale = q4scale / max_min;
      for (int j = 0; j < 16; ++j)
        y[i].scales[j] |= uint8_t(nearest_int(iscale * mins[j]) << 4);
      y[i].dmin = f32_to_f16(max_min / q4scale);
    } else {
      y[i].dmin = f32_to_f16(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = f16_to_f32(y[i].d) * float(y[i].scales[j] & 0xF);
      if (!d) continue;  // keeps make_qkx2_quants' levels, as ggml does
      const float dm = f16_to_f32(y[i].dmin) * float(y[i].scales[j] >> 4);
      for (int ii = 0; ii < 16; ++ii)
        L[16 * j + ii] = uint8_t(clamp(nearest_int((x[16 * j + ii] + dm) / d), 0, 3));
    }
    pack_2bit(L, y[i].qs);
  }
}

void quantize_row_q3_K(const float* x, block_q3_K* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK_K == 0, "q3_K rows must hold a multiple of 256 values");
  for (int64_t i = 0; i < k / kQK_K; ++i, x += kQK_K) {
    int8_t L[kQK_K];
    float scales[16];
    float max_scale = 0, amax = 0;  // the signed scale of largest magnitude
    for (int j = 0; j < 16; ++j) {
      scales[j] = make_q3_quants(16, x + 16 * j, L + 16 * j);
      const float scale = std::fabs(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }
    std::memset(y[i].scales, 0, 12);
    if (max_scale) {
      // 16 scales of 6 bits (+32): low nibbles in bytes 0..7, high pairs in bytes 8..11.
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        int8_t l = int8_t(nearest_int(iscale * scales[j]));
        l = int8_t(clamp(l, -32, 31) + 32);
        if (j < 8)
          y[i].scales[j] = uint8_t(l & 0xF);
        else
          y[i].scales[j - 8] |= uint8_t((l & 0xF) << 4);
        l = int8_t(l >> 4);
        y[i].scales[j % 4 + 8] |= uint8_t(l << (2 * (j / 4)));
      }
      y[i].d = f32_to_f16(1 / iscale);
    } else {
      y[i].d = f32_to_f16(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      int sc = j < 8 ? y[i].scales[j] & 0xF : y[i].scales[j - 8] >> 4;
      sc = (sc | (((y[i].scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
      const float d = f16_to_f32(y[i].d) * float(sc);
      if (!d) continue;  // keeps make_q3_quants' levels, as ggml does
      for (int ii = 0; ii < 16; ++ii)
        L[16 * j + ii] = int8_t(clamp(nearest_int(x[16 * j + ii] / d), -4, 3) + 4);
    }
    // The high bit of value j goes to bit j / 32 of hmask[j % 32]; the low two bits to qs.
    std::memset(y[i].hmask, 0, kQK_K / 8);
    uint8_t low[kQK_K];
    for (int j = 0; j < kQK_K; ++j) {
      if (L[j] > 3) y[i].hmask[j % 32] |= uint8_t(1 << (j / 32));
      low[j] = uint8_t(L[j] > 3 ? L[j] - 4 : L[j]);
    }
    pack_2bit(low, y[i].qs);
  }
}

void quantize_row_q4_K(const float* x, block_q4_K* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK_K == 0, "q4_K rows must hold a multiple of 256 values");
  for (int64_t i = 0; i < k / kQK_K; ++i, x += kQK_K) {
    uint8_t L[kQK_K];
    quantize_k4_superblock(x, 15, -1.f, 20, &y[i].d, &y[i].dmin, y[i].scales, L);
    // Byte l of each 32-byte group g: value 64g + l in the low nibble, 64g + 32 + l in the high.
    for (int j = 0; j < kQK_K; j += 64)
      for (int l = 0; l < 32; ++l) y[i].qs[j / 2 + l] = uint8_t(L[j + l] | (L[j + l + 32] << 4));
  }
}

void quantize_row_q5_K(const float* x, block_q5_K* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK_K == 0, "q5_K rows must hold a multiple of 256 values");
  for (int64_t i = 0; i < k / kQK_K; ++i, x += kQK_K) {
    uint8_t L[kQK_K];
    quantize_k4_superblock(x, 31, -0.5f, 15, &y[i].d, &y[i].dmin, y[i].scales, L);
    // As q4_K for the low 4 bits; the fifth bit of values 64g + l and 64g + 32 + l goes to bits
    // 2g and 2g + 1 of qh[l].
    std::memset(y[i].qh, 0, kQK_K / 8);
    for (int g = 0; g < 4; ++g) {
      for (int l = 0; l < 32; ++l) {
        int l1 = L[64 * g + l], l2 = L[64 * g + l + 32];
        if (l1 > 15) l1 -= 16, y[i].qh[l] |= uint8_t(1 << (2 * g));
        if (l2 > 15) l2 -= 16, y[i].qh[l] |= uint8_t(2 << (2 * g));
        y[i].qs[32 * g + l] = uint8_t(l1 | (l2 << 4));
      }
    }
  }
}

void quantize_row_q6_K(const float* x, block_q6_K* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK_K == 0, "q6_K rows must hold a multiple of 256 values");
  for (int64_t i = 0; i < k / kQK_K; ++i, x += kQK_K) {
    int8_t L[kQK_K];
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < 16; ++ib) {
      scales[ib] = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
      const float abs_scale = std::fabs(scales[ib]);
      if (abs_scale > max_abs_scale) {
        max_abs_scale = abs_scale;
        max_scale = scales[ib];
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&y[i], 0, sizeof(block_q6_K));
      continue;
    }
    const float iscale = -128.f / max_scale;
    y[i].d = f32_to_f16(1 / iscale);
    for (int ib = 0; ib < 16; ++ib)
      y[i].scales[ib] = int8_t(std::min(127, nearest_int(iscale * scales[ib])));
    for (int j = 0; j < 16; ++j) {
      const float d = f16_to_f32(y[i].d) * float(y[i].scales[j]);
      if (!d) continue;  // keeps make_qx_quants' levels, as ggml does
      for (int ii = 0; ii < 16; ++ii)
        L[16 * j + ii] = int8_t(clamp(nearest_int(x[16 * j + ii] / d), -32, 31) + 32);
    }
    // Per 128 values h: ql[64h + l] holds the low nibbles of values 128h + l (low) and
    // 128h + 64 + l (high), ql[64h + 32 + l] those of 128h + 32 + l and 128h + 96 + l; qh[32h + l]
    // the top two bits of 128h + l + 32s at bits 2s.
    for (int h = 0; h < 2; ++h) {
      const int8_t* Lh = L + 128 * h;
      uint8_t* ql = y[i].ql + 64 * h;
      uint8_t* qh = y[i].qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        ql[l] = uint8_t((Lh[l] & 0xF) | ((Lh[l + 64] & 0xF) << 4));
        ql[l + 32] = uint8_t((Lh[l + 32] & 0xF) | ((Lh[l + 96] & 0xF) << 4));
        qh[l] = uint8_t((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                        ((Lh[l + 96] >> 4) << 6));
      }
    }
  }
}

void quantize_row_iq4_xs(const float* x, block_iq4_xs* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK_K == 0, "iq4_xs rows must hold a multiple of 256 values");
  for (int64_t i = 0; i < k / kQK_K; ++i, x += kQK_K) {
    float scales[8];
    float max_scale = 0, amax_scale = 0;  // the signed block scale of largest magnitude
    for (int ib = 0; ib < 8; ++ib) {
      scales[ib] = iq4_block_scale(x + 32 * ib);
      const float abs_d = std::fabs(scales[ib]);
      if (abs_d > amax_scale) {
        amax_scale = abs_d;
        max_scale = scales[ib];
      }
    }
    // Block scales as 6-bit multiples (+32) of d = -max_scale / 32; the indices recomputed
    // against them. d itself (not its fp16 rounding) sets the levels, as in ggml.
    const float d = -max_scale / 32;
    y[i].d = f32_to_f16(d);
    y[i].scales_h = 0;
    const float id = d ? 1 / d : 0.f;
    for (int ib = 0; ib < 8; ++ib) {
      int l = clamp(nearest_int(id * scales[ib]), -32, 31);
      const float dl = d * float(l);
      iq4_pack(x + 32 * ib, dl ? 1 / dl : 0.f, y[i].qs + 16 * ib);
      l += 32;
      if (ib % 2 == 0)
        y[i].scales_l[ib / 2] = uint8_t(l & 0xf);
      else
        y[i].scales_l[ib / 2] |= uint8_t((l & 0xf) << 4);
      y[i].scales_h |= uint16_t((l >> 4) << (2 * ib));
    }
  }
}

void quantize_row_iq4_nl(const float* x, block_iq4_nl* y, int64_t k) {
  R1_ASSERT_MSG(k % kQK4_NL == 0, "iq4_nl rows must hold a multiple of 32 values");
  for (int64_t i = 0; i < k / kQK4_NL; ++i, x += kQK4_NL) {
    const float d = iq4_block_scale(x);
    y[i].d = f32_to_f16(d);
    iq4_pack(x, d ? 1 / d : 0.f, y[i].qs);
  }
}

}  // namespace r1
