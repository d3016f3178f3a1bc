// K-quant decode kernels. In the stored layout, per super-block each chunk of 32 weights is
// unpacked to bytes once (kquant_simd.h) and, for every token, multiplied with maddubs into
// int16 pairs that the chunk's two group scales weight into int32 lanes (AVX2: madd + add;
// AVX-512 VNNI: one vpdpwssd). In the 8-row interleaved layout (AVX-512 VNNI builds) 8 rows go
// at once (kquant_x8.h). Integer sums are exact, so how they are split over registers never
// changes a result; the float work per token and super-block is the same sequence for any
// number of tokens, which keeps decode batch-invariant.
#include "kernels/cpu/gemv_kquant.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "core/error.h"
#include "core/kquant_dequant.h"
#include "core/kquant_rows8.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/kquant_simd.h"
#include "kernels/cpu/kquant_x8.h"

namespace r1 {

namespace {

#ifdef R1_SIMD_AVX2

// One block of 256 values: the first value of largest magnitude sets iscale = -127 / max (as
// quantize_row_q8_K), so the vector search only finds where it is.
void quantize_q8_K_block(const float* x, block_q8_K& y) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 amax = _mm256_setzero_ps();
  for (int j = 0; j < kQK_K; j += 8)
    amax = _mm256_max_ps(amax, _mm256_and_ps(_mm256_loadu_ps(x + j), abs_mask));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const float a = _mm_cvtss_f32(m4);
  if (a == 0.0f) {
    y = block_q8_K{};
    return;
  }
  const __m256 va = _mm256_set1_ps(a);
  int first = 0;
  for (int j = 0; j < kQK_K; j += 8) {
    const int hit = _mm256_movemask_ps(
        _mm256_cmp_ps(_mm256_and_ps(_mm256_loadu_ps(x + j), abs_mask), va, _CMP_EQ_OQ));
    if (hit) {
      first = j + __builtin_ctz(unsigned(hit));
      break;
    }
  }
  const float iscale = -127.0f / x[first];
  const __m256 vs = _mm256_set1_ps(iscale);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int j = 0; j < kQK_K; j += 32) {
    // Round half to even (the default rounding mode), then saturate to [-128, 127]: only 128
    // can occur outside [-127, 127], and it becomes 127 as in min(127, v).
    __m256i v[4];
    for (int k = 0; k < 4; ++k)
      v[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * k), vs));
    const __m256i w =
        _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
    const __m256i q = _mm256_permutevar8x32_epi32(w, order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y.qs + j), q);
    // Sums of 8 bytes from sad of the bytes made unsigned (+128 each).
    const __m256i s =
        _mm256_sad_epu8(_mm256_xor_si256(q, _mm256_set1_epi8(char(0x80))), _mm256_setzero_si256());
    alignas(32) int64_t parts[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(parts), s);
    y.bsums[j / 16] = int16_t(parts[0] + parts[1] - 16 * 128);
    y.bsums[j / 16 + 1] = int16_t(parts[2] + parts[3] - 16 * 128);
  }
  y.d = 1.0f / iscale;
}

// Calls f(Block*) with a null pointer of the block type of a k-quant dtype (or its X8).
template <typename F>
void with_block(DType t, F&& f) {
  switch (is_kquant_x8(t) ? kquant_base_of(t) : t) {
    case DType::Q2_K:
      return f(static_cast<const block_q2_K*>(nullptr));
    case DType::Q3_K:
      return f(static_cast<const block_q3_K*>(nullptr));
    case DType::Q4_K:
      return f(static_cast<const block_q4_K*>(nullptr));
    case DType::Q5_K:
      return f(static_cast<const block_q5_K*>(nullptr));
    case DType::Q6_K:
      return f(static_cast<const block_q6_K*>(nullptr));
    case DType::IQ4_XS:
      return f(static_cast<const block_iq4_xs*>(nullptr));
    default:
      R1_ASSERT_MSG(false, "gemv_kquant_rows: not a k-quant weight");
  }
}

// Tokens in groups of up to Max (one unpack of the weights per group): tile(n, t0) for each.
template <int Max, typename Tile>
void token_groups(int64_t T, Tile&& tile) {
  for (int64_t t0 = 0; t0 < T; t0 += Max) {
    switch (std::min<int64_t>(Max, T - t0)) {
      case 1:
        tile(std::integral_constant<int, 1>(), t0);
        break;
      case 2:
        tile(std::integral_constant<int, 2>(), t0);
        break;
      case 3:
        tile(std::integral_constant<int, 3>(), t0);
        break;
      default:
        if constexpr (Max == 4) {
          tile(std::integral_constant<int, 4>(), t0);
        } else {
          static_assert(Max == 6);
          switch (T - t0) {
            case 4:
              tile(std::integral_constant<int, 4>(), t0);
              break;
            case 5:
              tile(std::integral_constant<int, 5>(), t0);
              break;
            default:
              tile(std::integral_constant<int, 6>(), t0);
          }
        }
    }
  }
}

template <typename Block, bool Vnni>
void rows_tokens(const block_q8_K* act, int64_t T, const WeightMatrix& W, int64_t r0, int64_t r1,
                 float* y, int64_t ldy) {
  const int64_t nb = W.cols() / kQK_K;
  const Block* blocks = W.w.as<Block>();
  for (int64_t r = r0; r < r1; ++r)
    token_groups<4>(T, [&](auto nt, int64_t t0) {
      simd::row_tokens<Block, decltype(nt)::value, Vnni>(blocks + r * nb, act + t0 * nb, nb,
                                                         y + t0 * ldy + r - r0, ldy);
    });
}

#ifdef R1_KQUANT_X8
// An X8 matrix: 8 rows per kernel call, r0 and r1 multiples of 8; up to 6 tokens per unpack
// (AVX-512's 32 registers hold their sums; 6 was fastest for prefill in r1_linear_bench).
template <typename Block>
void rows8(const block_q8_K* act, int64_t T, const WeightMatrix& W, int64_t r0, int64_t r1,
           float* y, int64_t ldy) {
  R1_ASSERT_MSG(r0 % 8 == 0 && r1 % 8 == 0, "gemv_kquant_rows: X8 rows come in groups of 8");
  const int64_t nb = W.cols() / kQK_K;
  const uint8_t* groups = W.w.as<uint8_t>();
  for (int64_t r = r0; r < r1; r += 8)
    token_groups<6>(T, [&](auto nt, int64_t t0) {
      x8::rows8_tokens<Block, decltype(nt)::value>(groups + size_t(r / 8 * nb) * 8 * sizeof(Block),
                                                   act + t0 * nb, nb, y + t0 * ldy + r - r0, ldy);
    });
}
#endif

#else

// Without AVX2: the dequantised row against the dequantised activations.
void rows_scalar(const block_q8_K* act, int64_t T, const WeightMatrix& W, int64_t r0, int64_t r1,
                 float* y, int64_t ldy) {
  const int64_t in = W.cols(), nb = in / kQK_K;
  std::vector<float> row(static_cast<size_t>(in));
  for (int64_t r = r0; r < r1; ++r) {
    dequantize_rows(W, r, r + 1, row.data());
    for (int64_t t = 0; t < T; ++t) {
      float s = 0.0f;
      for (int64_t i = 0; i < in; ++i) {
        const block_q8_K& b = act[t * nb + i / kQK_K];
        s += row[size_t(i)] * (b.d * float(b.qs[i % kQK_K]));
      }
      y[t * ldy + r - r0] = s;
    }
  }
}

#endif

}  // namespace

void quantize_q8_K_rows(const float* x, int64_t ldx, int64_t T, int64_t in,
                        std::vector<block_q8_K>& out) {
  R1_ASSERT(in % kQK_K == 0);
  const int64_t nb = in / kQK_K;
  out.resize(size_t(T * nb));
  for (int64_t t = 0; t < T; ++t) {
#ifdef R1_SIMD_AVX2
    for (int64_t b = 0; b < nb; ++b)
      quantize_q8_K_block(x + t * ldx + b * kQK_K, out[size_t(t * nb + b)]);
#else
    quantize_row_q8_K(x + t * ldx, out.data() + t * nb, in);
#endif
  }
}

bool kquant_isa_built(KquantIsa isa) {
#ifdef R1_SIMD_AVX2
  if (isa == KquantIsa::Avx2) return true;
#endif
#ifdef R1_KQUANT_X8
  if (isa == KquantIsa::Avx512Vnni) return true;
#endif
  (void)isa;
  return false;
}

KquantIsa kquant_best_isa() {
  return kquant_isa_built(KquantIsa::Avx512Vnni) ? KquantIsa::Avx512Vnni : KquantIsa::Avx2;
}

void gemv_kquant_rows(const block_q8_K* act, int64_t T, const WeightMatrix& W, int64_t r0,
                      int64_t r1, float* y, int64_t ldy, KquantIsa isa) {
  const DType t = W.w.dtype;
  R1_ASSERT((is_kquant(t) || is_kquant_x8(t)) && W.cols() % kQK_K == 0);
#ifdef R1_SIMD_AVX2
  with_block(t, [&](auto* block) {
    using Block = std::remove_cv_t<std::remove_pointer_t<decltype(block)>>;
#ifdef R1_KQUANT_X8
    if (is_kquant_x8(t)) return rows8<Block>(act, T, W, r0, r1, y, ldy);
    if (isa == KquantIsa::Avx512Vnni) return rows_tokens<Block, true>(act, T, W, r0, r1, y, ldy);
#endif
    R1_ASSERT_MSG(!is_kquant_x8(t), "gemv_kquant_rows: X8 layouts need the AVX-512 VNNI build");
    (void)isa;
    rows_tokens<Block, false>(act, T, W, r0, r1, y, ldy);
  });
#else
  (void)isa;
  rows_scalar(act, T, W, r0, r1, y, ldy);
#endif
}

}  // namespace r1
