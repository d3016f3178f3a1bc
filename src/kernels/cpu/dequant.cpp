// Weight dequantisation. FP8 E4M3 is widened through f16: (code & 0x7f) << 7 is an f16 with the
// same mantissa and an exponent 8 lower, so f32 = f16(...) * 2^8 (subnormals included) with the
// sign moved to bit 15. The code 0x7f (NaN in E4M3) becomes 480: checkpoints do not store NaN.
#include "kernels/cpu/dequant.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>
#define R1_HAVE_AVX2 1
#endif

#include "core/error.h"
#include "core/kquant_dequant.h"
#include "core/kquant_rows8.h"
#include "core/quant_blocks.h"
#include "core/quant_rows8.h"

namespace r1 {

namespace {

inline float fp8_scalar(uint8_t code) {
  const uint16_t h = uint16_t(((code & 0x80) << 8) | ((code & 0x7f) << 7));
  return f16_to_f32(h) * 256.0f;
}

}  // namespace

void bf16_to_f32_row(const uint16_t* src, float* out, int64_t n) {
  int64_t i = 0;
#ifdef R1_HAVE_AVX2
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    const __m256i w = _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16);
    _mm256_storeu_ps(out + i, _mm256_castsi256_ps(w));
  }
#endif
  for (; i < n; ++i) out[i] = bf16_to_f32(src[i]);
}

void f16_to_f32_row(const uint16_t* src, float* out, int64_t n) {
  int64_t i = 0;
#ifdef R1_HAVE_AVX2
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
#endif
  for (; i < n; ++i) out[i] = f16_to_f32(src[i]);
}

void fp8_to_f32_row(const uint8_t* src, float scale, float* out, int64_t n) {
  int64_t i = 0;
#ifdef R1_HAVE_AVX2
  const __m256 mul = _mm256_set1_ps(scale * 256.0f);
  const __m128i sign_mask = _mm_set1_epi16(0x80), mag_mask = _mm_set1_epi16(0x7f);
  for (; i + 8 <= n; i += 8) {
    const __m128i w = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i)));
    const __m128i h = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(w, sign_mask), 8),
                                   _mm_slli_epi16(_mm_and_si128(w, mag_mask), 7));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_cvtph_ps(h), mul));
  }
#endif
  for (; i < n; ++i) out[i] = fp8_scalar(src[i]) * scale;
}

void q8_0_to_f32_row(const block_q8_0* src, float* out, int64_t n) {
#ifdef R1_HAVE_AVX2
  for (int64_t b = 0; b < n / 32; ++b) {
    const __m256 d = _mm256_set1_ps(f16_to_f32(src[b].d));
    for (int j = 0; j < 32; j += 8) {
      const __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64(
          reinterpret_cast<const __m128i*>(src[b].qs + j)));
      _mm256_storeu_ps(out + b * 32 + j, _mm256_mul_ps(_mm256_cvtepi32_ps(q), d));
    }
  }
#else
  dequantize_row_q8_0(src, out, n);
#endif
}

void q4_0_to_f32_row(const block_q4_0* src, float* out, int64_t n) {
#ifdef R1_HAVE_AVX2
  const __m128i low = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  for (int64_t b = 0; b < n / 32; ++b) {
    const __m256 d = _mm256_set1_ps(f16_to_f32(src[b].d));
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[b].qs));
    const __m128i halves[2] = {_mm_sub_epi8(_mm_and_si128(packed, low), eight),
                               _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(packed, 4), low), eight)};
    for (int h = 0; h < 2; ++h) {
      const __m256i q0 = _mm256_cvtepi8_epi32(halves[h]);
      const __m256i q1 = _mm256_cvtepi8_epi32(_mm_srli_si128(halves[h], 8));
      _mm256_storeu_ps(out + b * 32 + h * 16, _mm256_mul_ps(_mm256_cvtepi32_ps(q0), d));
      _mm256_storeu_ps(out + b * 32 + h * 16 + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(q1), d));
    }
  }
#else
  dequantize_row_q4_0(src, out, n);
#endif
}

namespace {

// Rows of an 8-row interleaved matrix: each row taken out of its group, then converted.
template <typename Block, typename BlockX8, typename RowToF32>
void interleaved_rows(const WeightMatrix& W, int64_t r0, int64_t r1, float* out,
                      RowToF32 row_to_f32) {
  const int64_t n = W.cols(), nb = n / 32;
  thread_local std::vector<Block> row;
  row.resize(size_t(nb));
  for (int64_t r = r0; r < r1; ++r) {
    extract_row8(W.w.as<BlockX8>() + r / 8 * nb, int(r % 8), nb, row.data());
    row_to_f32(row.data(), out + (r - r0) * n, n);
  }
}

}  // namespace

void dequantize_rows(const WeightMatrix& W, int64_t r0, int64_t r1, float* out) {
  const int64_t n = W.cols();
  switch (W.w.dtype) {
    case DType::F32:
      std::memcpy(out, W.w.f32() + r0 * n, size_t((r1 - r0) * n) * sizeof(float));
      return;
    case DType::BF16:
      bf16_to_f32_row(W.w.as<uint16_t>() + r0 * n, out, (r1 - r0) * n);
      return;
    case DType::F16:
      f16_to_f32_row(W.w.as<uint16_t>() + r0 * n, out, (r1 - r0) * n);
      return;
    case DType::F8_E4M3: {
      const int64_t scale_cols = W.scale_inv.dim(1);
      for (int64_t r = r0; r < r1; ++r) {
        const float* scales = W.scale_inv.f32() + (r / W.block_rows) * scale_cols;
        const uint8_t* row = W.w.as<uint8_t>() + r * n;
        float* o = out + (r - r0) * n;
        for (int64_t c0 = 0, b = 0; c0 < n; c0 += W.block_cols, ++b)
          fp8_to_f32_row(row + c0, scales[b], o + c0, std::min(W.block_cols, n - c0));
      }
      return;
    }
    case DType::Q8_0:
      q8_0_to_f32_row(W.w.as<block_q8_0>() + r0 * (n / 32), out, (r1 - r0) * n);
      return;
    case DType::Q4_0:
      q4_0_to_f32_row(W.w.as<block_q4_0>() + r0 * (n / 32), out, (r1 - r0) * n);
      return;
    case DType::Q8_0_X8:
      return interleaved_rows<block_q8_0, block_q8_0x8>(W, r0, r1, out, q8_0_to_f32_row);
    case DType::Q4_0_X8:
      return interleaved_rows<block_q4_0, block_q4_0x8>(W, r0, r1, out, q4_0_to_f32_row);
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::IQ4_XS:
    case DType::Q2_K_X8:
    case DType::Q3_K_X8:
    case DType::Q4_K_X8:
    case DType::Q5_K_X8:
    case DType::Q6_K_X8:
    case DType::IQ4_XS_X8:
      return dequantize_kquant_rows(W.w, r0, r1, out);
    default:
      R1_ASSERT_MSG(false, "WeightMatrix with a non-float dtype");
  }
}

}  // namespace r1
