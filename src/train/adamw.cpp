// AdamW in f32 with torch's rounding: the scalars are formed in double (Python floats) and
// rounded to f32 once, the moment updates are fused multiply-adds (torch's vectorised add with
// alpha and addcmul), and the update is (step_size * m) / denom as addcdiv computes it.
#include "train/adamw.h"

#include <cmath>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "core/thread_pool.h"

namespace r1 {

namespace {

struct StepScalars {
  float decay;  // 1 - lr wd, or 1 for entries without decay
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float bc2_sqrt;  // sqrt(1 - b2^t)
  float eps;
  float neg_step;  // -lr / (1 - b1^t)
};

// [begin, end) of one tensor: every operation rounds to f32 where torch's kernel does. The
// vector lanes do the same correctly rounded operations as the scalar tail, so both give the
// same bits.
void update_range(const StepScalars& s, bool decay, int64_t begin, int64_t end, float* p,
                  const float* g, float* m, float* v) {
  int64_t i = begin;
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 decay8 = _mm256_set1_ps(s.decay), beta1 = _mm256_set1_ps(s.beta1);
  const __m256 one_minus_beta1 = _mm256_set1_ps(s.one_minus_beta1);
  const __m256 beta2 = _mm256_set1_ps(s.beta2), one_minus_beta2 = _mm256_set1_ps(s.one_minus_beta2);
  const __m256 bc2_sqrt = _mm256_set1_ps(s.bc2_sqrt), eps = _mm256_set1_ps(s.eps);
  const __m256 neg_step = _mm256_set1_ps(s.neg_step);
  for (; i + 8 <= end; i += 8) {
    __m256 pi = _mm256_loadu_ps(p + i);
    if (decay) pi = _mm256_mul_ps(pi, decay8);
    const __m256 gi = _mm256_loadu_ps(g + i);
    const __m256 mi = _mm256_fmadd_ps(gi, one_minus_beta1, _mm256_mul_ps(_mm256_loadu_ps(m + i), beta1));
    const __m256 vi = _mm256_fmadd_ps(_mm256_mul_ps(one_minus_beta2, gi), gi,
                                      _mm256_mul_ps(_mm256_loadu_ps(v + i), beta2));
    const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2_sqrt), eps);
    const __m256 update = _mm256_div_ps(_mm256_mul_ps(neg_step, mi), denom);
    _mm256_storeu_ps(p + i, _mm256_add_ps(pi, update));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
  }
#endif
  for (; i < end; ++i) {
    float pi = p[i];
    if (decay) pi = pi * s.decay;
    const float mi = std::fma(g[i], s.one_minus_beta1, m[i] * s.beta1);
    const float gi = s.one_minus_beta2 * g[i];
    const float vi = std::fma(gi, g[i], v[i] * s.beta2);
    const float denom = std::sqrt(vi) / s.bc2_sqrt + s.eps;
    const float update = (s.neg_step * mi) / denom;
    p[i] = pi + update;
    m[i] = mi;
    v[i] = vi;
  }
}

}  // namespace

AdamWState make_adamw_state(const ParamLayout& layout) {
  AdamWState s;
  s.exp_avg = make_param_buffer(layout);
  s.exp_avg_sq = make_param_buffer(layout);
  return s;
}

void adamw_step(const std::vector<ParamEntry>& entries, const AdamWConfig& cfg, double lr,
                AdamWState& state, float* params, const float* grads) {
  state.step += 1;
  const double t = double(state.step);
  StepScalars s;
  s.decay = float(1.0 - lr * cfg.weight_decay);
  s.beta1 = float(cfg.beta1);
  s.one_minus_beta1 = float(1.0 - cfg.beta1);
  s.beta2 = float(cfg.beta2);
  s.one_minus_beta2 = float(1.0 - cfg.beta2);
  s.bc2_sqrt = float(std::sqrt(1.0 - std::pow(cfg.beta2, t)));
  s.eps = float(cfg.eps);
  s.neg_step = float(-(lr / (1.0 - std::pow(cfg.beta1, t))));
  float* m = state.exp_avg.f32();
  float* v = state.exp_avg_sq.f32();
  ThreadPool& pool = default_thread_pool();
  for (const ParamEntry& e : entries) {
    if (!e.trainable) continue;
    const int64_t o = e.offset;
    // 4096-float chunks: big tensors split over the threads, small ones stay one chunk.
    pool.parallel_for(e.numel, 4096, [&](int64_t begin, int64_t end) {
      update_range(s, e.weight_decay, o + begin, o + end, params, grads, m, v);
    });
  }
}

}  // namespace r1
