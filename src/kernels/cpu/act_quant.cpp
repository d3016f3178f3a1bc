// Block quantisation of activations: round-to-nearest-even of x * (1 / d), d = amax / 127;
// the AVX2 path and the scalar one give the same blocks.
#include "kernels/cpu/act_quant.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/simd_blocks.h"

namespace r1 {

namespace {

#ifdef R1_SIMD_AVX2
void quantize_block(const float* v, ActBlock& a) {
  __m256 x[4], amax = _mm256_setzero_ps();
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  for (int k = 0; k < 4; ++k) {
    x[k] = _mm256_loadu_ps(v + 8 * k);
    amax = _mm256_max_ps(_mm256_andnot_ps(sign_bit, x[k]), amax);  // NaN skipped, as std::max
  }
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  const float d = _mm_cvtss_f32(m) / 127.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
  const __m256 scale = _mm256_set1_ps(id);
  __m256i q[4];
  for (int k = 0; k < 4; ++k) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(x[k], scale));
  const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
  // int32 -> int8 (|q| <= 127: no saturation), restoring element order.
  __m256i q8 = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
  q8 = _mm256_permutevar8x32_epi32(q8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.qs), q8);
  a.d = d;
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  a.sum = _mm_cvtsi128_si32(_mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1)));
}
#else
void quantize_block(const float* v, ActBlock& a) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(v[j]));
  const float d = amax / 127.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
  a.d = d;
  a.sum = 0;
  for (int j = 0; j < 32; ++j) {
    a.qs[j] = int8_t(std::nearbyint(v[j] * id));
    a.sum += a.qs[j];
  }
}
#endif

}  // namespace

void quantize_activations(const float* x, int64_t ldx, int64_t T, int64_t in,
                          std::vector<ActBlock>& out) {
  const int64_t nb = in / 32;
  out.resize(size_t(T * nb));
  for (int64_t i = 0; i < T * nb; ++i)
    quantize_block(x + (i / nb) * ldx + (i % nb) * 32, out[size_t(i)]);
}

}  // namespace r1
