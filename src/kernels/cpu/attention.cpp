// Causal attention, one task per (query token, group of up to 8 query heads that share a kv
// head): each key and value row is read once for the whole group (MLA's absorbed attention
// shares one latent "head" among all query heads, so this reads the cache once per token
// instead of once per head), scores kept per head, a stable softmax in f32. Tasks are spread
// over the default thread pool, interleaved so that long (late) and short (early) causal rows
// mix in every chunk.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/simd_blocks.h"

namespace r1 {

namespace {

constexpr int kMaxHeads = 8;  // query heads per task

// scores[g * S + j] = scale * q_g . k_j for the N heads of the task and keys j < visible.
template <int N>
void head_scores(const float* const* q, const float* k, int64_t k_stride, int64_t dk,
                 int64_t visible, float scale, float* scores, int64_t S) {
  for (int64_t j = 0; j < visible; ++j) {
    const float* kv = k + j * k_stride;
#ifdef R1_SIMD_AVX2
    __m256 acc[N];
    for (int g = 0; g < N; ++g) acc[g] = _mm256_setzero_ps();
    int64_t d = 0;
    for (; d + 8 <= dk; d += 8) {
      const __m256 kd = _mm256_loadu_ps(kv + d);
      for (int g = 0; g < N; ++g) acc[g] = _mm256_fmadd_ps(_mm256_loadu_ps(q[g] + d), kd, acc[g]);
    }
    for (int g = 0; g < N; ++g) {
      float dot = simd::hsum(acc[g]);
      for (int64_t e = d; e < dk; ++e) dot += q[g][e] * kv[e];
      scores[g * S + j] = dot * scale;
    }
#else
    for (int g = 0; g < N; ++g) {
      float dot = 0.0f;
      for (int64_t e = 0; e < dk; ++e) dot += q[g][e] * kv[e];
      scores[g * S + j] = dot * scale;
    }
#endif
  }
}

// out_g = sum_j p[g, j] v_j for the N heads of the task.
template <int N>
void head_outputs(const float* scores, int64_t S, const float* v, int64_t v_stride, int64_t dv,
                  int64_t visible, float* const* out) {
  int64_t d = 0;
#ifdef R1_SIMD_AVX2
  for (; d + 8 <= dv; d += 8) {
    __m256 acc[N];
    for (int g = 0; g < N; ++g) acc[g] = _mm256_setzero_ps();
    for (int64_t j = 0; j < visible; ++j) {
      const __m256 vd = _mm256_loadu_ps(v + j * v_stride + d);
      for (int g = 0; g < N; ++g)
        acc[g] = _mm256_fmadd_ps(_mm256_set1_ps(scores[g * S + j]), vd, acc[g]);
    }
    for (int g = 0; g < N; ++g) _mm256_storeu_ps(out[g] + d, acc[g]);
  }
#endif
  for (; d < dv; ++d)
    for (int g = 0; g < N; ++g) {
      float sum = 0.0f;
      for (int64_t j = 0; j < visible; ++j) sum += scores[g * S + j] * v[j * v_stride + d];
      out[g][d] = sum;
    }
}

template <int N>
void attend_heads(const float* const* q, const float* k, const float* v, float* const* out,
                  const AttentionShape& s, int64_t visible, float scale, float* scores) {
  head_scores<N>(q, k, s.k_stride, s.dk, visible, scale, scores, s.S);
  for (int g = 0; g < N; ++g) softmax_inplace(scores + g * s.S, visible);
  head_outputs<N>(scores, s.S, v, s.v_stride, s.dv, visible, out);
}

}  // namespace

void attention_causal(const float* q, const float* k, const float* v, float* out,
                      const AttentionShape& s, float scale) {
  R1_ASSERT(s.Hk > 0 && s.H % s.Hk == 0);
  R1_ASSERT(s.pos0 + s.T <= s.S);
  const int64_t group = s.H / s.Hk;
  const int64_t tiles_per_kv = (group + kMaxHeads - 1) / kMaxHeads;
  const int64_t tasks = s.T * s.Hk * tiles_per_kv;  // (token, kv head, head tile)
  auto task = [&](int64_t i) {
    const int64_t t = i / (s.Hk * tiles_per_kv), kh = i / tiles_per_kv % s.Hk;
    const int64_t h0 = kh * group + i % tiles_per_kv * kMaxHeads;
    const int n = int(std::min<int64_t>(kMaxHeads, (kh + 1) * group - h0));
    const int64_t visible = s.pos0 + t + 1;
    const float* qh[kMaxHeads];
    float* oh[kMaxHeads];
    for (int g = 0; g < n; ++g) {
      qh[g] = q + t * s.q_stride + (h0 + g) * s.dk;
      oh[g] = out + (t * s.H + h0 + g) * s.dv;
    }
    thread_local std::vector<float> scores;  // [n, S]
    scores.resize(size_t(kMaxHeads * s.S));
    const float* kk = k + kh * s.dk;
    const float* vv = v + kh * s.dv;
    switch (n) {
      case 8: return attend_heads<8>(qh, kk, vv, oh, s, visible, scale, scores.data());
      case 7: return attend_heads<7>(qh, kk, vv, oh, s, visible, scale, scores.data());
      case 6: return attend_heads<6>(qh, kk, vv, oh, s, visible, scale, scores.data());
      case 5: return attend_heads<5>(qh, kk, vv, oh, s, visible, scale, scores.data());
      case 4: return attend_heads<4>(qh, kk, vv, oh, s, visible, scale, scores.data());
      case 3: return attend_heads<3>(qh, kk, vv, oh, s, visible, scale, scores.data());
      case 2: return attend_heads<2>(qh, kk, vv, oh, s, visible, scale, scores.data());
      default: return attend_heads<1>(qh, kk, vv, oh, s, visible, scale, scores.data());
    }
  };
  // Small problems (a few short rows) run here: waking the pool would cost more.
  const int64_t work = tasks * (s.pos0 + s.T) * (s.dk + s.dv) * std::min<int64_t>(group, kMaxHeads);
  ThreadPool& pool = default_thread_pool();
  if (work < (int64_t(1) << 15) || pool.threads() == 1) {
    for (int64_t i = 0; i < tasks; ++i) task(i);
    return;
  }
  const int64_t chunks = std::min<int64_t>(tasks, 16 * pool.threads());
  pool.run(chunks, [&](int64_t c) {
    for (int64_t i = c; i < tasks; i += chunks) task(i);
  });
}

}  // namespace r1
