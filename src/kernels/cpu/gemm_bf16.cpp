// gemm_bf16, blocked as in GotoBLAS: A is packed into panels of kMr rows and B into panels of kNr
// columns, each k pair (k, k + 1) of a row or column as two bf16 in one uint32 (the operand
// layout of vdpbf16ps); rounding and transposes happen while packing. One task is a tile of C
// [kMc, kNc]: per K block of kKc, each B micro-panel (in L1) meets every A micro-panel of the tile
// (the tile's A block stays in L2).
#include "kernels/cpu/gemm_bf16.h"

#if defined(__AVX512BF16__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/dtype.h"
#include "core/thread_pool.h"

namespace r1 {

namespace {

constexpr int kMr = 12;            // micro-tile rows: 12 x 2 zmm accumulators
constexpr int kNr = 32;            // micro-tile columns: two zmm of f32
constexpr int64_t kKc = 256;       // k values per block: a B micro-panel is 16 KiB (L1)
constexpr int64_t kMc = 16 * kMr;  // task tile rows: its A block at kKc is 96 KiB (L2)
constexpr int64_t kNc = 8 * kNr;   // task tile columns
constexpr int64_t kPairsPerBlock = kKc / 2;

float bits_to_f32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// One operand seen as lines (A's rows or B's columns), each K values long.
struct Lines {
  const float* data;
  int64_t ld;
  bool k_contiguous;  // line i is data[i * ld + k]; else element (i, k) is data[k * ld + i]
};

// out [pairs, width]: lines i0 .. i0 + n - 1 as bf16 pairs (lane i of pair p holds k = 2p in
// its low half and k = 2p + 1 in its high half); lanes n..width-1 and an odd K's last high
// half are zero, so the micro-kernels never branch on edges.
template <int width>
void pack_panel(const Lines& src, int64_t i0, int64_t n, int64_t K, uint32_t* out) {
  const int64_t pairs = (K + 1) / 2;
  std::fill(out, out + pairs * width, 0u);
  if (src.k_contiguous) {
    // Rounded in line order, a line's bf16 values are already its pairs; then one store each.
    thread_local std::vector<uint16_t> line_bf16;
    line_bf16.assign(size_t(2 * pairs), 0);
    for (int64_t i = 0; i < n; ++i) {
      const float* line = src.data + (i0 + i) * src.ld;
      for (int64_t k = 0; k < K; ++k) line_bf16[size_t(k)] = f32_to_bf16(line[k]);
      for (int64_t p = 0; p < pairs; ++p) {
        uint32_t pair;
        std::memcpy(&pair, line_bf16.data() + 2 * p, 4);
        out[p * width + i] = pair;
      }
    }
    return;
  }
  for (int64_t p = 0; p < pairs; ++p) {
    const float* lo = src.data + 2 * p * src.ld + i0;  // k = 2p, lines i0.. contiguous
    uint32_t* dst = out + p * width;
    if (2 * p + 1 < K) {
      const float* hi = lo + src.ld;
      for (int64_t i = 0; i < n; ++i)
        dst[i] = uint32_t(f32_to_bf16(lo[i])) | uint32_t(f32_to_bf16(hi[i])) << 16;
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(lo[i]);
    }
  }
}

// c[0, cols) = acc + beta c (beta == 0 does not read c).
void store_row(const float* acc, float* c, int cols, float beta) {
  for (int j = 0; j < cols; ++j) c[j] = beta == 0.0f ? acc[j] : acc[j] + beta * c[j];
}

// A micro-tile: C [rows, cols] (rows <= kMr, cols <= kNr, row stride ldc) = a b (+ beta C), with
// a [pairs, kMr] and b [pairs, kNr] packed.
using TileKernel = void (*)(int64_t pairs, const uint32_t* a, const uint32_t* b, float* c,
                            int64_t ldc, int rows, int cols, float beta);

#if defined(__AVX512BF16__)
// 24 zmm accumulators; per pair two B loads and 12 broadcasts feed 24 vdpbf16ps (each 32
// multiply-adds, twice an f32 FMA's).
void tile_vdpbf16ps(int64_t pairs, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc,
                    int rows, int cols, float beta) {
  __m512 acc[kMr][2];
  for (auto& row : acc) row[0] = row[1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; ++p) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + p * kNr);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + p * kNr + 16);
    const uint32_t* ap = a + p * kMr;
    for (int r = 0; r < kMr; ++r) {
      const __m512bh av = (__m512bh)_mm512_set1_epi32(int(ap[r]));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
    }
  }
  const __mmask16 masks[2] = {__mmask16(cols >= 16 ? 0xffffu : (1u << cols) - 1u),
                              __mmask16(cols >= 32   ? 0xffffu
                                        : cols <= 16 ? 0u
                                                     : (1u << (cols - 16)) - 1u)};
  const __m512 vbeta = _mm512_set1_ps(beta);
  for (int r = 0; r < rows; ++r) {
    for (int h = 0; h < 2; ++h) {
      float* dst = c + r * ldc + 16 * h;
      __m512 v = acc[r][h];
      if (beta != 0.0f) v = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(masks[h], dst), v);
      _mm512_mask_storeu_ps(dst, masks[h], v);
    }
  }
}
#endif

// The portable kernel: each bf16 widened to f32 by a 16-bit shift (exact), then f32 FMA.
void tile_widened(int64_t pairs, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc,
                  int rows, int cols, float beta) {
  float out[kMr][kNr];
#if defined(__AVX2__) && defined(__FMA__)
  // Sub-tiles of 3 rows x 16 columns: 6 ymm accumulators, 4 for B, 2 for A in 16 registers.
  const __m256i high_half = _mm256_set1_epi32(int(0xffff0000u));
  for (int r0 = 0; r0 < rows; r0 += 3) {
    for (int c0 = 0; c0 < kNr; c0 += 16) {
      __m256 acc[3][2];
      for (auto& row : acc) row[0] = row[1] = _mm256_setzero_ps();
      for (int64_t p = 0; p < pairs; ++p) {
        const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + p * kNr + c0));
        const __m256i w1 =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + p * kNr + c0 + 8));
        const __m256 lo0 = _mm256_castsi256_ps(_mm256_slli_epi32(w0, 16));
        const __m256 hi0 = _mm256_castsi256_ps(_mm256_and_si256(w0, high_half));
        const __m256 lo1 = _mm256_castsi256_ps(_mm256_slli_epi32(w1, 16));
        const __m256 hi1 = _mm256_castsi256_ps(_mm256_and_si256(w1, high_half));
        for (int i = 0; i < 3; ++i) {
          const uint32_t pair = a[p * kMr + r0 + i];
          const __m256 alo = _mm256_set1_ps(bits_to_f32(pair << 16));
          const __m256 ahi = _mm256_set1_ps(bits_to_f32(pair & 0xffff0000u));
          acc[i][0] = _mm256_fmadd_ps(ahi, hi0, _mm256_fmadd_ps(alo, lo0, acc[i][0]));
          acc[i][1] = _mm256_fmadd_ps(ahi, hi1, _mm256_fmadd_ps(alo, lo1, acc[i][1]));
        }
      }
      for (int i = 0; i < 3; ++i) {
        _mm256_storeu_ps(out[r0 + i] + c0, acc[i][0]);
        _mm256_storeu_ps(out[r0 + i] + c0 + 8, acc[i][1]);
      }
    }
  }
#else
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < kNr; ++j) {
      float sum = 0.0f;
      for (int64_t p = 0; p < pairs; ++p) {
        const uint32_t x = a[p * kMr + r], y = b[p * kNr + j];
        sum += bits_to_f32(x << 16) * bits_to_f32(y << 16) +
               bits_to_f32(x & 0xffff0000u) * bits_to_f32(y & 0xffff0000u);
      }
      out[r][j] = sum;
    }
  }
#endif
  for (int r = 0; r < rows; ++r) store_row(out[r], c + r * ldc, cols, beta);
}

TileKernel tile_kernel(Bf16Kernel kernel) {
#if defined(__AVX512BF16__)
  if (kernel == Bf16Kernel::Native) return tile_vdpbf16ps;
#endif
  (void)kernel;
  return tile_widened;
}

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

bool gemm_bf16_has_vdpbf16ps() {
#if defined(__AVX512BF16__)
  return true;
#else
  return false;
#endif
}

void gemm_bf16(const GemmOperand& A, const GemmOperand& B, float* C, int64_t ldc, int64_t M,
               int64_t N, int64_t K, float beta, Bf16Kernel kernel) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // an empty sum: C = beta C
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) C[m * ldc + n] = beta == 0.0f ? 0.0f : beta * C[m * ldc + n];
    return;
  }
  const int64_t pairs = (K + 1) / 2;
  const int64_t a_panels = ceil_div(M, kMr), b_panels = ceil_div(N, kNr);
  // Kept by the calling thread between calls (a training step makes hundreds of these). The
  // tasks below use the pointers: in a worker, the names would mean the worker's own buffers.
  thread_local std::vector<uint32_t> a_buffer, b_buffer;
  a_buffer.resize(size_t(a_panels * kMr * pairs));
  b_buffer.resize(size_t(b_panels * kNr * pairs));
  uint32_t* const packed_a = a_buffer.data();
  uint32_t* const packed_b = b_buffer.data();
  // A's rows run along k unless A is stored transposed; B's columns do when B is.
  const Lines a_lines{A.data, A.ld, !A.transposed}, b_lines{B.data, B.ld, B.transposed};

  // Below ~1M multiply-adds waking the workers costs more than it saves.
  const bool parallel = M * N * K >= (int64_t(1) << 20);
  auto for_each = [&](int64_t count, auto&& fn) {
    auto range = [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) fn(i);
    };
    if (parallel) {
      default_thread_pool().parallel_for(count, 1, range);
    } else {
      range(0, count);
    }
  };
  for_each(a_panels, [&](int64_t i) {
    pack_panel<kMr>(a_lines, i * kMr, std::min<int64_t>(kMr, M - i * kMr), K,
                    packed_a + i * kMr * pairs);
  });
  for_each(b_panels, [&](int64_t j) {
    pack_panel<kNr>(b_lines, j * kNr, std::min<int64_t>(kNr, N - j * kNr), K,
                    packed_b + j * kNr * pairs);
  });

  const TileKernel tile = tile_kernel(kernel);
  const int64_t tiles_n = ceil_div(N, kNc);
  for_each(ceil_div(M, kMc) * tiles_n, [&](int64_t t) {
    const int64_t m0 = (t / tiles_n) * kMc, n0 = (t % tiles_n) * kNc;
    const int64_t m1 = std::min(M, m0 + kMc), n1 = std::min(N, n0 + kNc);
    for (int64_t p0 = 0; p0 < pairs; p0 += kPairsPerBlock) {
      const int64_t block_pairs = std::min(kPairsPerBlock, pairs - p0);
      const float block_beta = p0 == 0 ? beta : 1.0f;  // later K blocks add to the first's C
      for (int64_t n = n0; n < n1; n += kNr) {
        const uint32_t* bp = packed_b + (n / kNr) * kNr * pairs + p0 * kNr;
        const int cols = int(std::min<int64_t>(kNr, N - n));
        for (int64_t m = m0; m < m1; m += kMr) {
          const uint32_t* ap = packed_a + (m / kMr) * kMr * pairs + p0 * kMr;
          tile(block_pairs, ap, bp, C + m * ldc + n, ldc, int(std::min<int64_t>(kMr, M - m)), cols,
               block_beta);
        }
      }
    }
  });
}

}  // namespace r1
