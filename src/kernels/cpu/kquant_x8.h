// AVX-512 VNNI kernels on the 8-row interleaved k-quant layouts (core/kquant_rows8.h): each
// 32-byte load holds 4 bytes of 8 rows, unpacked to 8 x 4 unsigned values that one vpdpbusd
// dots with 4 activation bytes broadcast, so every row's sums build up in its own int32 lane.
// Per sub-block the lanes are multiplied by the 8 rows' integer scales; value offsets
// (q3_K: 4, q6_K: 32, IQ4_XS: 128) start each sub-block's sum at -offset * bsum, mins (q2_K,
// q4_K, q5_K) are dotted with the bsums by vpdpbusd too, and d, dmin apply in float once per
// super-block.
// Integer sums are exact and the float steps per token are the same for any number of tokens.
#pragma once

#if defined(__AVX512VNNI__) && defined(__AVX512VL__) && defined(__AVX2__) && defined(__F16C__)
#define R1_KQUANT_X8 1

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "core/kquant_blocks.h"
#include "core/kquant_dequant.h"

namespace r1::x8 {

inline __m256i load(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
inline __m256i low4(__m256i v) {
  return _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
}
// Bits K, K+1 (or bit K alone, Two = false) of every byte moved to bit P.
template <int K, int P, bool Two>
inline __m256i bits_to(__m256i v) {
  __m256i s = v;
  if constexpr (K < P) s = _mm256_slli_epi16(v, P - K);
  if constexpr (K > P) s = _mm256_srli_epi16(v, K - P);
  return _mm256_and_si256(s, _mm256_set1_epi8(char((Two ? 3 : 1) << P)));
}
// (v & mask) | high in one vpternlogd, high already clear of mask's bits.
template <int Mask>
inline __m256i merge(__m256i v, __m256i high) {
  return _mm256_ternarylogic_epi32(v, high, _mm256_set1_epi8(char(Mask)), 0xec);
}
// Byte B of every int32 lane, unsigned or sign-extended.
template <int B>
inline __m256i byte_u(__m256i v) {
  return _mm256_and_si256(_mm256_srli_epi32(v, 8 * B), _mm256_set1_epi32(0xff));
}
template <int B>
inline __m256i byte_s(__m256i v) {
  return _mm256_srai_epi32(_mm256_slli_epi32(v, 24 - 8 * B), 24);
}
inline __m256 fp16x8(const uint8_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Every type T below describes one 8-row group super-block b (the X8 block's bytes):
//   kSub, kChunks       sub-blocks per super-block, 4-byte chunks per sub-block
//   kMins, kOffset      min * bsum terms (weighted by dmin), or the value offset
//   chunk<S, C>()       chunk C of sub-block S as 8 rows x 4 unsigned values
//   act<S, C>()         the index of its first activation (4 consecutive ones)
//   scale<S>()          the 8 rows' integer scale of sub-block S as int32 lanes
//   mins4<K>()          (kMins) the 8 rows' mins of sub-blocks 4K..4K+3 as 4 bytes per lane
//   d, dmin             the 8 rows' super-block scales

// Offsets in the X8 block are 8x those of ggml's block.
struct Q2K {
  static constexpr int kSub = 16, kChunks = 4, kOffset = 0;
  static constexpr bool kMins = true;
  explicit Q2K(const uint8_t* b) : b_(b) {
    d = fp16x8(b + 8 * offsetof(block_q2_K, d));
    dmin = fp16x8(b + 8 * offsetof(block_q2_K, dmin));
  }
  // Value 128h + 32s + l is bits 2s of qs[32h + l]; sub-block S = 8h + 2s + l / 16.
  template <int S, int C>
  __m256i chunk() const {
    constexpr int h = S / 8, s = (S % 8) / 2, j = 8 * h + 4 * (S % 2) + C;
    return bits_to<2 * s, 0, true>(load(b_ + 8 * offsetof(block_q2_K, qs) + 32 * j));
  }
  template <int S, int C>
  static constexpr int act() {
    return 16 * S + 4 * C;
  }
  template <int S>
  __m256i scale() const {
    return _mm256_and_si256(scales<S>(), _mm256_set1_epi32(0x0f));
  }
  template <int K>
  __m256i mins4() const {
    const __m256i v = load(b_ + 8 * offsetof(block_q2_K, scales) + 32 * K);
    return low4(_mm256_srli_epi16(v, 4));
  }
  __m256 d, dmin;

 private:
  template <int S>
  __m256i scales() const {
    return byte_u<S % 4>(load(b_ + 8 * offsetof(block_q2_K, scales) + 32 * (S / 4)));
  }
  const uint8_t* b_;
};

struct Q3K {
  static constexpr int kSub = 16, kChunks = 4, kOffset = 4;
  static constexpr bool kMins = false;
  explicit Q3K(const uint8_t* b) : b_(b) {
    d = fp16x8(b + 8 * offsetof(block_q3_K, d));
    dmin = _mm256_setzero_ps();
    const uint8_t* sc = b + 8 * offsetof(block_q3_K, scales);
    const __m256i w0 = load(sc), w1 = load(sc + 32), w2 = load(sc + 64);
    const __m256i l4 = _mm256_set1_epi8(0x0f), l2 = _mm256_set1_epi8(0x03);
    auto high = [&](int shift) {
      return _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(w2, shift), l2), 4);
    };
    s_[0] = _mm256_or_si256(_mm256_and_si256(w0, l4), high(0));
    s_[1] = _mm256_or_si256(_mm256_and_si256(w1, l4), high(2));
    s_[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(w0, 4), l4), high(4));
    s_[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(w1, 4), l4), high(6));
  }
  // Value 128h + 32s + l: bits 2s of qs[32h + l] and bit 4h + s of hmask[l] as bit 2.
  template <int S, int C>
  __m256i chunk() const {
    constexpr int h = S / 8, s = (S % 8) / 2;
    constexpr int j = 8 * h + 4 * (S % 2) + C, k = 4 * (S % 2) + C;
    const __m256i qs = load(b_ + 8 * offsetof(block_q3_K, qs) + 32 * j);
    return merge<0x03>(
        s ? _mm256_srli_epi16(qs, 2 * s) : qs,
        bits_to<4 * h + s, 2, false>(load(b_ + 8 * offsetof(block_q3_K, hmask) + 32 * k)));
  }
  template <int S, int C>
  static constexpr int act() {
    return 16 * S + 4 * C;
  }
  template <int S>
  __m256i scale() const {
    return _mm256_sub_epi32(byte_u<S % 4>(s_[S / 4]), _mm256_set1_epi32(32));
  }
  __m256 d, dmin;

 private:
  const uint8_t* b_;
  __m256i s_[4];  // bytes: 6-bit scales 4i..4i+3 (+32)
};

// q4_K and q5_K: 8 sub-blocks of 32 with 6-bit scales and mins.
template <bool Five>
struct Q45K {
  using Block = std::conditional_t<Five, block_q5_K, block_q4_K>;
  static constexpr int kSub = 8, kChunks = 8, kOffset = 0;
  static constexpr bool kMins = true;
  explicit Q45K(const uint8_t* b) : b_(b) {
    d = fp16x8(b + 8 * offsetof(Block, d));
    dmin = fp16x8(b + 8 * offsetof(Block, dmin));
    const uint8_t* sc = b + 8 * offsetof(Block, scales);
    const __m256i w0 = load(sc), w1 = load(sc + 32), w2 = load(sc + 64);
    const __m256i l6 = _mm256_set1_epi8(0x3f), l4 = _mm256_set1_epi8(0x0f),
                  l2 = _mm256_set1_epi8(0x03);
    auto top2 = [&](__m256i w) {
      return _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(w, 6), l2), 4);
    };
    sc_[0] = _mm256_and_si256(w0, l6);
    mn_[0] = _mm256_and_si256(w1, l6);
    sc_[1] = _mm256_or_si256(_mm256_and_si256(w2, l4), top2(w0));
    mn_[1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(w2, 4), l4), top2(w1));
  }
  // Value 64g + 32n + l (n: nibble) is nibble n of qs[32g + l] (q5_K: bit 2g + n of qh[l] as
  // bit 4); sub-block S = 2g + n.
  template <int S, int C>
  __m256i chunk() const {
    constexpr int g = S / 2, n = S % 2;
    const __m256i v = load(b_ + 8 * offsetof(Block, qs) + 32 * (8 * g + C));
    const __m256i q = n ? _mm256_srli_epi16(v, 4) : v;
    if constexpr (Five) {
      return merge<0x0f>(q, bits_to<S, 4, false>(load(b_ + 8 * offsetof(Block, qh) + 32 * C)));
    } else {
      return low4(q);
    }
  }
  template <int S, int C>
  static constexpr int act() {
    return 32 * S + 4 * C;
  }
  template <int S>
  __m256i scale() const {
    return byte_u<S % 4>(sc_[S / 4]);
  }
  template <int K>
  __m256i mins4() const {
    return mn_[K];
  }
  __m256 d, dmin;

 private:
  const uint8_t* b_;
  __m256i sc_[2], mn_[2];  // bytes: scales / mins 4i..4i+3
};

struct Q6K {
  static constexpr int kSub = 16, kChunks = 4, kOffset = 32;
  static constexpr bool kMins = false;
  explicit Q6K(const uint8_t* b) : b_(b) {
    d = fp16x8(b + 8 * offsetof(block_q6_K, d));
    dmin = _mm256_setzero_ps();
  }
  // Value 128h + 32p + l: nibble p / 2 of ql[64h + 32 (p % 2) + l], bits 2p of qh[32h + l] as
  // bits 4-5; sub-block S = 8h + 2p + l / 16.
  template <int S, int C>
  __m256i chunk() const {
    constexpr int h = S / 8, p = (S % 8) / 2;
    constexpr int jl = 16 * h + 8 * (p % 2) + 4 * (S % 2) + C, jh = 8 * h + 4 * (S % 2) + C;
    const __m256i v = load(b_ + 8 * offsetof(block_q6_K, ql) + 32 * jl);
    return merge<0x0f>(p >= 2 ? _mm256_srli_epi16(v, 4) : v,
                       bits_to<2 * p, 4, true>(load(b_ + 8 * offsetof(block_q6_K, qh) + 32 * jh)));
  }
  template <int S, int C>
  static constexpr int act() {
    return 16 * S + 4 * C;
  }
  template <int S>
  __m256i scale() const {
    return byte_s<S % 4>(load(b_ + 8 * offsetof(block_q6_K, scales) + 32 * (S / 4)));
  }
  __m256 d, dmin;

 private:
  const uint8_t* b_;
};

struct IQ4XS {
  static constexpr int kSub = 8, kChunks = 8, kOffset = 128;
  static constexpr bool kMins = false;
  explicit IQ4XS(const uint8_t* b) : b_(b) {
    d = fp16x8(b + 8 * offsetof(block_iq4_xs, d));
    dmin = _mm256_setzero_ps();
    low_ = load(b + 8 * offsetof(block_iq4_xs, scales_l));
    high_ = _mm256_cvtepu16_epi32(_mm_loadu_si128(
        reinterpret_cast<const __m128i*>(b + 8 * offsetof(block_iq4_xs, scales_h))));
    // kIq4nlValues + 128.
    alignas(16) static constexpr uint8_t kGrid[16] = {1,   24,  45,  63,  79,  93,  106, 118,
                                                      129, 141, 153, 166, 181, 197, 217, 241};
    grid_ = _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(kGrid)));
  }
  // Sub-block S: qs[16S + j] holds value 32S + j (low nibble) and 32S + 16 + j (high); chunk C
  // is bytes 4 (C % 4).. of it, nibble C / 4; the grid value + 128.
  template <int S, int C>
  __m256i chunk() const {
    const __m256i v = load(b_ + 8 * offsetof(block_iq4_xs, qs) + 32 * (4 * S + C % 4));
    return _mm256_shuffle_epi8(grid_, low4(C >= 4 ? _mm256_srli_epi16(v, 4) : v));
  }
  template <int S, int C>
  static constexpr int act() {
    return 32 * S + 16 * (C / 4) + 4 * (C % 4);
  }
  template <int S>
  __m256i scale() const {
    const __m256i l = _mm256_and_si256(_mm256_srli_epi32(low_, 4 * S), _mm256_set1_epi32(0x0f));
    const __m256i h = _mm256_and_si256(_mm256_srli_epi32(high_, 2 * S), _mm256_set1_epi32(3));
    return _mm256_sub_epi32(_mm256_or_si256(l, _mm256_slli_epi32(h, 4)), _mm256_set1_epi32(32));
  }
  __m256 d, dmin;

 private:
  const uint8_t* b_;
  __m256i low_, high_, grid_;
};

template <typename T>
struct TypeOf;
template <>
struct TypeOf<block_q2_K> {
  using type = Q2K;
};
template <>
struct TypeOf<block_q3_K> {
  using type = Q3K;
};
template <>
struct TypeOf<block_q4_K> {
  using type = Q45K<false>;
};
template <>
struct TypeOf<block_q5_K> {
  using type = Q45K<true>;
};
template <>
struct TypeOf<block_q6_K> {
  using type = Q6K;
};
template <>
struct TypeOf<block_iq4_xs> {
  using type = IQ4XS;
};

// sum + (unsigned bytes of w) . (the 4 signed bytes at `four`, in every lane), the 4 bytes as an
// embedded broadcast memory operand: gcc 12 would emit a separate vpbroadcastd for each (which
// costs 5-15% here).
inline __m256i dpbusd_broadcast(__m256i sum, __m256i w, const int8_t* four) {
  asm("vpdpbusd %[four]%{1to8%}, %[w], %[sum]"
      : [sum] "+v"(sum)
      : [w] "v"(w), [four] "m"(*reinterpret_cast<const int32_t*>(four)));
  return sum;
}

// One token's sub-block bsums as the kernel uses them: with a value offset, -offset * bsum per
// sub-block (int32, the start of its sum); with mins, each bsum split as 128 * hi + lo (lo in
// [0, 128), hi in [-32, 32): 32 values of at most 127) into bytes, so that mins . bsums is two
// vpdpbusd per 4 sub-blocks.
struct SubBsums {
  alignas(32) int32_t start[16];
  alignas(16) int8_t lo[16];
  alignas(16) int8_t hi[16];
};

template <typename U>
inline void sub_bsums(const block_q8_K& a, SubBsums& out) {
  const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.bsums));
  auto put = [&](int at, __m256i v) {
    if constexpr (U::kMins) {
      _mm_storel_epi64(
          reinterpret_cast<__m128i*>(out.lo + at),
          _mm256_maskz_cvtepi32_epi8(0xff, _mm256_and_si256(v, _mm256_set1_epi32(127))));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out.hi + at),
                       _mm256_maskz_cvtepi32_epi8(0xff, _mm256_srai_epi32(v, 7)));
    } else {
      _mm256_store_si256(reinterpret_cast<__m256i*>(out.start + at),
                         _mm256_mullo_epi32(v, _mm256_set1_epi32(-U::kOffset)));
    }
  };
  if constexpr (U::kSub == 16) {
    put(0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(bs)));
    put(8, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(bs, 1)));
  } else {
    put(0, _mm256_madd_epi16(bs, _mm256_set1_epi16(1)));  // lane i: bsums 2i + 2i+1
  }
}

// Sub-block S for NT tokens: the 8 rows' dot products with every token, scaled into isum.
template <typename U, int NT, int S, int... C>
inline void sub_block(const U& u, const block_q8_K* const* a, const SubBsums* bs, __m256i* isum,
                      std::integer_sequence<int, C...>) {
  __m256i acc[NT];
  for (int t = 0; t < NT; ++t)
    acc[t] = U::kMins ? _mm256_setzero_si256() : _mm256_set1_epi32(bs[t].start[S]);
  (
      [&] {
        const __m256i w = u.template chunk<S, C>();
        for (int t = 0; t < NT; ++t)
          acc[t] = dpbusd_broadcast(acc[t], w, a[t]->qs + U::template act<S, C>());
      }(),
      ...);
  const __m256i sc = u.template scale<S>();
  for (int t = 0; t < NT; ++t) isum[t] = _mm256_add_epi32(isum[t], _mm256_mullo_epi32(acc[t], sc));
}

template <typename U, int NT, int... S>
inline void all_sub_blocks(const U& u, const block_q8_K* const* a, const SubBsums* bs,
                           __m256i* isum, std::integer_sequence<int, S...>) {
  (sub_block<U, NT, S>(u, a, bs, isum, std::make_integer_sequence<int, U::kChunks>()), ...);
}

// msum[t] = the 8 rows' mins . token t's bsums.
template <typename U, int NT, int... K>
inline void mins_dot(const U& u, const SubBsums* bs, __m256i* msum,
                     std::integer_sequence<int, K...>) {
  __m256i hi[NT], lo[NT];
  for (int t = 0; t < NT; ++t) hi[t] = lo[t] = _mm256_setzero_si256();
  (
      [&] {
        const __m256i m = u.template mins4<K>();
        for (int t = 0; t < NT; ++t) {
          hi[t] = dpbusd_broadcast(hi[t], m, bs[t].hi + 4 * K);
          lo[t] = dpbusd_broadcast(lo[t], m, bs[t].lo + 4 * K);
        }
      }(),
      ...);
  for (int t = 0; t < NT; ++t) msum[t] = _mm256_add_epi32(_mm256_slli_epi32(hi[t], 7), lo[t]);
}

constexpr int kPrefetchBytes = 2048;

// 8 interleaved rows (nb X8 blocks of `bytes` each from w) against NT tokens (a[t * nb + ib]):
// y[t * ldy + i] for row i of the group.
template <typename Block, int NT>
void rows8_tokens(const uint8_t* w, const block_q8_K* a, int64_t nb, float* y, int64_t ldy) {
  using U = typename TypeOf<Block>::type;
  constexpr size_t bytes = 8 * sizeof(Block);
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t ib = 0; ib < nb; ++ib) {
    const uint8_t* b = w + size_t(ib) * bytes;
    for (size_t line = 0; line < bytes; line += 64)
      _mm_prefetch(reinterpret_cast<const char*>(b) + kPrefetchBytes + line, _MM_HINT_T0);
    const U u(b);
    const block_q8_K* at[NT];
    SubBsums bs[NT];
    __m256i isum[NT], msum[NT];
    for (int t = 0; t < NT; ++t) {
      at[t] = a + t * nb + ib;
      sub_bsums<U>(*at[t], bs[t]);
      isum[t] = _mm256_setzero_si256();
    }
    all_sub_blocks<U, NT>(u, at, bs, isum, std::make_integer_sequence<int, U::kSub>());
    if constexpr (U::kMins)
      mins_dot<U, NT>(u, bs, msum, std::make_integer_sequence<int, U::kSub / 4>());
    for (int t = 0; t < NT; ++t) {
      const __m256 da = _mm256_set1_ps(at[t]->d);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_mul_ps(u.d, da), acc[t]);
      if constexpr (U::kMins)
        acc[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(msum[t]), _mm256_mul_ps(u.dmin, da), acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) _mm256_storeu_ps(y + t * ldy, acc[t]);
}

}  // namespace r1::x8

#endif
