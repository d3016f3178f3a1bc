// One task per query head over the default thread pool, with sgemm for every product:
//   P = softmax(scale Q K^T) (causal rows), dP = dO V^T, dS = scale P (dP - rowsum(P dP)),
//   dQ += dS K, dK += dS^T Q, dV += P^T dO.
// P and dP are [T, pos0 + T] per task (thread-local). With one query head per kv head (MHA, and
// MLA's per-head keys) dK and dV go straight into the caller's buffers; with groups each head
// writes its own [pos0 + T, d] partials, summed per kv head afterwards.
#include "kernels/cpu/attention_backward.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/linear_backward.h"

namespace r1 {

void attention_causal_backward(const float* q, const float* k, const float* v, const float* dout,
                               float* dq, float* dk, float* dv, const AttentionShape& s,
                               float scale) {
  R1_ASSERT(s.Hk > 0 && s.H % s.Hk == 0);
  R1_ASSERT(s.pos0 + s.T <= s.S);
  const int64_t group = s.H / s.Hk;
  const int64_t keys = s.pos0 + s.T;  // keys visible to at least one query
  const int64_t dout_stride = s.H * s.dv;
  const bool grouped = group > 1;
  // Per query head partials of dK [H, keys, dk] and dV [H, keys, dv] when heads share a kv head.
  std::vector<float> dk_part(grouped ? static_cast<size_t>(s.H * keys * s.dk) : 0);
  std::vector<float> dv_part(grouped ? static_cast<size_t>(s.H * keys * s.dv) : 0);

  auto head = [&](int64_t h) {
    const int64_t kh = h / group;
    const float* qh = q + h * s.dk;
    const float* kk = k + kh * s.dk;
    const float* vv = v + kh * s.dv;
    const float* doh = dout + h * s.dv;
    thread_local std::vector<float> p, dp;  // [T, keys]
    p.resize(static_cast<size_t>(s.T * keys));
    dp.resize(static_cast<size_t>(s.T * keys));
    gemm_f32_serial(qh, s.q_stride, kk, s.k_stride, p.data(), keys, s.T, keys, s.dk, true);
    gemm_f32_serial(doh, dout_stride, vv, s.v_stride, dp.data(), keys, s.T, keys, s.dv, true);
    for (int64_t t = 0; t < s.T; ++t) {
      float* pr = p.data() + t * keys;
      float* dr = dp.data() + t * keys;
      const int64_t visible = s.pos0 + t + 1;
      for (int64_t j = 0; j < visible; ++j) pr[j] *= scale;
      softmax_inplace(pr, visible);
      double dot = 0.0;
      for (int64_t j = 0; j < visible; ++j) dot += double(pr[j]) * dr[j];
      for (int64_t j = 0; j < visible; ++j) dr[j] = scale * pr[j] * (dr[j] - float(dot));
      std::fill(pr + visible, pr + keys, 0.0f);
      std::fill(dr + visible, dr + keys, 0.0f);
    }
    // dp now holds dS.
    gemm_f32_serial(dp.data(), keys, kk, s.k_stride, dq + h * s.dk, s.q_stride, s.T, s.dk, keys,
                    false, 1.0f);
    if (grouped) {
      gemm_f32_atb_serial(dp.data(), keys, qh, s.q_stride, dk_part.data() + h * keys * s.dk, s.dk,
                          keys, s.dk, s.T, 0.0f);
      gemm_f32_atb_serial(p.data(), keys, doh, dout_stride, dv_part.data() + h * keys * s.dv, s.dv,
                          keys, s.dv, s.T, 0.0f);
    } else {
      gemm_f32_atb_serial(dp.data(), keys, qh, s.q_stride, dk + kh * s.dk, s.k_stride, keys, s.dk,
                          s.T, 1.0f);
      gemm_f32_atb_serial(p.data(), keys, doh, dout_stride, dv + kh * s.dv, s.v_stride, keys, s.dv,
                          s.T, 1.0f);
    }
  };
  // dK, dV rows [j0, j1) of every kv head += the sum of their group's partials.
  auto sum_groups = [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j)
      for (int64_t h = 0; h < s.H; ++h) {
        const int64_t kh = h / group;
        const float* pk = dk_part.data() + (h * keys + j) * s.dk;
        const float* pv = dv_part.data() + (h * keys + j) * s.dv;
        float* gk = dk + j * s.k_stride + kh * s.dk;
        float* gv = dv + j * s.v_stride + kh * s.dv;
        for (int64_t e = 0; e < s.dk; ++e) gk[e] += pk[e];
        for (int64_t e = 0; e < s.dv; ++e) gv[e] += pv[e];
      }
  };

  ThreadPool& pool = default_thread_pool();
  // Small problems run here: waking the pool would cost more.
  const bool serial = s.H * s.T * keys * (s.dk + s.dv) < (int64_t(1) << 15) || pool.threads() == 1;
  if (serial) {
    for (int64_t h = 0; h < s.H; ++h) head(h);
    if (grouped) sum_groups(0, keys);
    return;
  }
  pool.run(s.H, head);
  if (grouped) pool.parallel_for(keys, 1, sum_groups);
}

}  // namespace r1
