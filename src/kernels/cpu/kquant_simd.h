// AVX2 unpacking of k-quant and IQ4_XS super-blocks for int8 dot products with q8_K activations
// (chunk j, values 32j..32j+31 in the activations' order, as 32 bytes; the scale of every 16
// values as int16; for formats with mins or a value offset the int16 factors of the q8_K bsums),
// and the dot product of one weight row with a few tokens that the decode and prefill kernels
// share.
#pragma once

#include "kernels/cpu/simd_blocks.h"

#ifdef R1_SIMD_AVX2

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "core/kquant_blocks.h"
#include "core/kquant_dequant.h"

namespace r1::simd {

// Every unpacker U below has, for one super-block:
//   d, dmin      float: w . a = d * sum_g scales[g] * (q_g . a_g) - dmin * sum_g mins[g] * bsum_g
//                over the 16 groups g of 16 values (dmin only where kMins)
//   scales       __m256i: 16 int16, group g in lane g
//   mins         __m256i: 16 int16 (kMins only)
//   chunk<J>()   __m256i: the 32 values of chunk J as unsigned bytes q, or for kSigned formats
//                as signed bytes (dotted as |q| * (a with q's sign), which maddubs cannot
//                overflow: |q|, |a| <= 127)

inline float fp16(uint16_t h) {
  return _cvtsh_ss(h);
}

// Bit K of every byte of v moved to bit P (other bits cleared), K and P compile-time.
template <int K, int P>
inline __m256i bit_to(__m256i v) {
  __m256i s;
  if constexpr (K < P) {
    s = _mm256_slli_epi16(v, P - K);
  } else if constexpr (K > P) {
    s = _mm256_srli_epi16(v, K - P);
  } else {
    s = v;
  }
  return _mm256_and_si256(s, _mm256_set1_epi8(char(1 << P)));
}

// Two bits K, K+1 of every byte moved to bits P, P+1.
template <int K, int P>
inline __m256i bits2_to(__m256i v) {
  __m256i s;
  if constexpr (K < P) {
    s = _mm256_slli_epi16(v, P - K);
  } else if constexpr (K > P) {
    s = _mm256_srli_epi16(v, K - P);
  } else {
    s = v;
  }
  return _mm256_and_si256(s, _mm256_set1_epi8(char(3 << P)));
}

inline __m256i load32(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// 8 unsigned bytes, each used for two groups of 16: [b0, b0, b1, b1, ..., b7, b7] as int16.
inline __m256i pairs_u8_to_i16(__m128i bytes8) {
  const __m128i dup = _mm_unpacklo_epi8(bytes8, bytes8);
  return _mm256_cvtepu8_epi16(dup);
}

// q4_K/q5_K: the 8 scales (bytes 0..7) and 8 mins (bytes 8..15) of the 12 packed bytes; see
// kquant_scale_min. Words w0 w1 w2 are bytes 0-3, 4-7, 8-11.
inline __m128i k4_scales_mins(const uint8_t* packed) {
  uint32_t w[3];
  std::memcpy(w, packed, 12);
  const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, low2 = 0x03030303;
  const uint32_t sc03 = w[0] & low6, m03 = w[1] & low6;
  const uint32_t sc47 = (w[2] & low4) | (((w[0] >> 6) & low2) << 4);
  const uint32_t m47 = ((w[2] >> 4) & low4) | (((w[1] >> 6) & low2) << 4);
  return _mm_set_epi32(int(m47), int(m03), int(sc47), int(sc03));
}

template <typename Block>
struct Unpack;

template <>
struct Unpack<block_q2_K> {
  static constexpr bool kMins = true, kSigned = false;
  explicit Unpack(const block_q2_K& b) : qs(b.qs) {
    d = fp16(b.d);
    dmin = fp16(b.dmin);
    const __m128i sm = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    const __m128i low = _mm_set1_epi8(0x0f);
    scales = _mm256_cvtepu8_epi16(_mm_and_si128(sm, low));
    mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), low));
  }
  // Chunk J: 2-bit plane J % 4 of the 32 bytes of half J / 4.
  template <int J>
  __m256i chunk() const {
    return bits2_to<2 * (J % 4), 0>(load32(qs + 32 * (J / 4)));
  }
  const uint8_t* qs;
  float d, dmin;
  __m256i scales, mins;
};

template <>
struct Unpack<block_q3_K> {
  static constexpr bool kMins = true, kSigned = false;
  // q = u - 4 with u = low 2 bits | high bit << 2 in [0, 8): the offset goes through the bsums
  // as a min of 4 * scale.
  explicit Unpack(const block_q3_K& b) : qs(b.qs) {
    d = fp16(b.d);
    dmin = 4.0f * d;
    uint32_t w[3];
    std::memcpy(w, b.scales, 12);
    const uint32_t low4 = 0x0f0f0f0f, low2 = 0x03030303;
    const __m128i packed = _mm_set_epi32(int(((w[1] >> 4) & low4) | (((w[2] >> 6) & low2) << 4)),
                                         int(((w[0] >> 4) & low4) | (((w[2] >> 4) & low2) << 4)),
                                         int((w[1] & low4) | (((w[2] >> 2) & low2) << 4)),
                                         int((w[0] & low4) | ((w[2] & low2) << 4)));
    scales = _mm256_cvtepi8_epi16(_mm_sub_epi8(packed, _mm_set1_epi8(32)));
    mins = scales;
    hmask = load32(b.hmask);
  }
  template <int J>
  __m256i chunk() const {
    return _mm256_or_si256(bits2_to<2 * (J % 4), 0>(load32(qs + 32 * (J / 4))),
                           bit_to<J, 2>(hmask));
  }
  const uint8_t* qs;
  float d, dmin;
  __m256i scales, mins, hmask;
};

template <>
struct Unpack<block_q4_K> {
  static constexpr bool kMins = true, kSigned = false;
  explicit Unpack(const block_q4_K& b) : qs(b.qs) {
    d = fp16(b.d);
    dmin = fp16(b.dmin);
    const __m128i sm = k4_scales_mins(b.scales);
    scales = pairs_u8_to_i16(sm);
    mins = pairs_u8_to_i16(_mm_srli_si128(sm, 8));
  }
  // Chunk J: the low (J even) or high nibbles of bytes 32 * (J / 2)...
  template <int J>
  __m256i chunk() const {
    const __m256i v = load32(qs + 32 * (J / 2));
    return _mm256_and_si256(J % 2 ? _mm256_srli_epi16(v, 4) : v, _mm256_set1_epi8(0x0f));
  }
  const uint8_t* qs;
  float d, dmin;
  __m256i scales, mins;
};

template <>
struct Unpack<block_q5_K> {
  static constexpr bool kMins = true, kSigned = false;
  explicit Unpack(const block_q5_K& b) : qs(b.qs) {
    d = fp16(b.d);
    dmin = fp16(b.dmin);
    const __m128i sm = k4_scales_mins(b.scales);
    scales = pairs_u8_to_i16(sm);
    mins = pairs_u8_to_i16(_mm_srli_si128(sm, 8));
    qh = load32(b.qh);
  }
  // As q4_K, with bit J of qh as the fifth bit.
  template <int J>
  __m256i chunk() const {
    const __m256i v = load32(qs + 32 * (J / 2));
    const __m256i low =
        _mm256_and_si256(J % 2 ? _mm256_srli_epi16(v, 4) : v, _mm256_set1_epi8(0x0f));
    return _mm256_or_si256(low, bit_to<J, 4>(qh));
  }
  const uint8_t* qs;
  float d, dmin;
  __m256i scales, mins, qh;
};

template <>
struct Unpack<block_q6_K> {
  static constexpr bool kMins = true, kSigned = false;
  // q = u - 32 with u in [0, 64): the offset goes through the bsums as a min of 32 * scale.
  explicit Unpack(const block_q6_K& b) : ql(b.ql), qh(b.qh) {
    d = fp16(b.d);
    dmin = 32.0f * d;
    scales = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
    mins = scales;
  }
  // Chunk J = 4h + p: low 4 bits from ql[64h + 32 (p & 1) + l] (high nibble for p >= 2), high
  // 2 bits from bits 2p, 2p + 1 of qh[32h + l].
  template <int J>
  __m256i chunk() const {
    constexpr int h = J / 4, p = J % 4;
    const __m256i v = load32(ql + 64 * h + 32 * (p & 1));
    const __m256i low =
        _mm256_and_si256(p >= 2 ? _mm256_srli_epi16(v, 4) : v, _mm256_set1_epi8(0x0f));
    return _mm256_or_si256(low, bits2_to<2 * p, 4>(load32(qh + 32 * h)));
  }
  const uint8_t* ql;
  const uint8_t* qh;
  float d, dmin;
  __m256i scales, mins;
};

template <>
struct Unpack<block_iq4_xs> {
  static constexpr bool kMins = false, kSigned = true;
  explicit Unpack(const block_iq4_xs& b) : qs(b.qs) {
    d = fp16(b.d);
    dmin = 0.0f;
    // Sub-block ib's 6-bit scale: nibble ib of scales_l, bits 2ib..2ib+1 of scales_h.
    uint32_t sl;
    std::memcpy(&sl, b.scales_l, 4);
    const __m128i low = _mm_unpacklo_epi8(_mm_cvtsi32_si128(int(sl & 0x0f0f0f0f)),
                                          _mm_cvtsi32_si128(int((sl >> 4) & 0x0f0f0f0f)));
#ifdef __BMI2__
    const uint64_t high = _pdep_u64(b.scales_h, 0x0303030303030303ull) << 4;
#else
    uint64_t high = 0;
    for (int ib = 0; ib < 8; ++ib) high |= uint64_t((b.scales_h >> (2 * ib)) & 3) << (8 * ib + 4);
#endif
    const __m128i ls = _mm_or_si128(low, _mm_cvtsi64_si128(int64_t(high)));
    const __m128i s8 = _mm_sub_epi8(ls, _mm_set1_epi8(32));
    scales = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(s8, s8));
    mins = _mm256_setzero_si256();
  }
  // Chunk J: the grid values of the low nibbles of qs[16J..16J+15], then of the high nibbles.
  template <int J>
  __m256i chunk() const {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs + 16 * J));
    const __m256i idx = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed),
                                         _mm256_set1_epi8(0x0f));
    const __m256i grid = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlValues)));
    return _mm256_shuffle_epi8(grid, idx);
  }
  const uint8_t* qs;
  float d, dmin;
  __m256i scales, mins;
};

// The int16 scale vector for chunk J from a super-block's 16 group scales: group 2J in lanes
// 0-7 (values 32J..32J+15, the low 128 bits of a maddubs result), group 2J + 1 in lanes 8-15.
template <int J>
inline __m256i chunk_scales(__m256i scales) {
  // Byte pairs 4(J % 4), +1 (lane 2J % 8) in the low half, 4(J % 4) + 2, +3 in the high half.
  alignas(32) static constexpr uint8_t kPick[4][32] = {
      {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
       2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3},
      {4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5,
       6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7},
      {8,  9,  8,  9,  8,  9,  8,  9,  8,  9,  8,  9,  8,  9,  8,  9,
       10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11},
      {12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13,
       14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15}};
  const __m128i half = J < 4 ? _mm256_castsi256_si128(scales) : _mm256_extracti128_si256(scales, 1);
  return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(half),
                             _mm256_load_si256(reinterpret_cast<const __m256i*>(kPick[J % 4])));
}

// 16 int16 products of chunk q with 32 activation bytes a: pairs of adjacent values summed.
template <bool Signed>
inline __m256i chunk_products(__m256i q, __m256i a) {
  if constexpr (Signed) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q));
  } else {
    return _mm256_maddubs_epi16(q, a);
  }
}

// acc + the pairs of p * s summed into 8 int32 lanes (AVX-512 VNNI: one vpdpwssd).
template <bool Vnni>
inline __m256i add_scaled(__m256i acc, __m256i p, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  if constexpr (Vnni) return _mm256_dpwssd_epi32(acc, p, s);
#endif
  return _mm256_add_epi32(acc, _mm256_madd_epi16(p, s));
}

inline __m256i load_act(const int8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Token t's int32 lanes of one super-block: chunk J's 16 pair products weighted by its scales.
template <typename U, int NT, int Split, bool Vnni, int J>
inline void chunk_tokens(const U& u, const block_q8_K* const* a, __m256i (&isum)[NT][Split]) {
  const __m256i q = u.template chunk<J>();
  const __m256i s = chunk_scales<J>(u.scales);
  for (int t = 0; t < NT; ++t) {
    const __m256i p = chunk_products<U::kSigned>(q, load_act(a[t]->qs + 32 * J));
    isum[t][J % Split] = add_scaled<Vnni>(isum[t][J % Split], p, s);
  }
}

template <typename U, int NT, int Split, bool Vnni, int... J>
inline void all_chunks(const U& u, const block_q8_K* const* a, __m256i (&isum)[NT][Split],
                       std::integer_sequence<int, J...>) {
  (chunk_tokens<U, NT, Split, Vnni, J>(u, a, isum), ...);
}

constexpr int kPrefetchBytes = 1024;

// One weight row (nb super-blocks) against NT tokens: a[t * nb + ib] is token t's block ib.
template <typename Block, int NT, bool Vnni>
void row_tokens(const Block* w, const block_q8_K* a, int64_t nb, float* y, int64_t ldy) {
  using U = Unpack<Block>;
  // Independent integer chains per token: the accumulate's latency, not its throughput, would
  // bound a single token.
  constexpr int Split = NT == 1 ? 4 : NT == 2 ? 2 : 1;
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t ib = 0; ib < nb; ++ib) {
    _mm_prefetch(reinterpret_cast<const char*>(w + ib) + kPrefetchBytes, _MM_HINT_T0);
    const U u(w[ib]);
    const block_q8_K* at[NT];
    __m256i isum[NT][Split];
    for (int t = 0; t < NT; ++t) {
      at[t] = a + t * nb + ib;
      for (int k = 0; k < Split; ++k) isum[t][k] = _mm256_setzero_si256();
    }
    all_chunks<U, NT, Split, Vnni>(u, at, isum, std::make_integer_sequence<int, 8>());
    for (int t = 0; t < NT; ++t) {
      __m256i lanes = isum[t][0];
      for (int k = 1; k < Split; ++k) lanes = _mm256_add_epi32(lanes, isum[t][k]);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lanes), _mm256_set1_ps(u.d * at[t]->d), acc[t]);
      if constexpr (U::kMins) {
        const __m256i m = _mm256_madd_epi16(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at[t]->bsums)), u.mins);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(m), _mm256_set1_ps(-u.dmin * at[t]->d), acc[t]);
      }
    }
  }
  for (int t = 0; t < NT; ++t) y[t * ldy] = hsum(acc[t]);
}

}  // namespace r1::simd

#endif
