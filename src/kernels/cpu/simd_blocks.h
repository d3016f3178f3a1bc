// AVX2 helpers shared by the q8_0/q4_0 kernels: horizontal sums, a weight block's 32 values as
// signed bytes, and the int8 dot product of two such vectors as 8 int32 lanes.
#pragma once

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define R1_SIMD_AVX2 1
#include <immintrin.h>

#include <type_traits>

#include "core/quant_blocks.h"

namespace r1::simd {

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

// q4_0: nibble - 8 in [-8, 7], elements 0..15 from the low nibbles, 16..31 from the high ones.
inline __m256i q4_0_values(const block_q4_0& b) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
  const __m256i nibbles = _mm256_and_si256(
      _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0f));
  return _mm256_sub_epi8(nibbles, _mm256_set1_epi8(8));
}

template <typename Block>
inline __m256i block_values(const Block& b) {
  if constexpr (std::is_same_v<Block, block_q4_0>) {
    return q4_0_values(b);
  } else {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
  }
}

// sum over 32 int8 pairs as 8 int32 lanes: |w| * (a with w's sign) keeps maddubs unsigned x
// signed (|w| <= 128, |a| <= 127, so the int16 pair sums cannot saturate).
inline __m256i int8_dot_i32(__m256i w, __m256i a) {
  const __m256i prod = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
  return _mm256_madd_epi16(prod, _mm256_set1_epi16(1));
}

}  // namespace r1::simd

#endif
