// MoE forward and backward: moe_route's choice, the (token, slot) pairs packed by expert, each
// expert over its packed rows, the gate-weighted sum in slot order, the shared experts; the
// router gradient through the gate weights; and the sequence-wise balance loss.
#include "model/blocks/moe.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "kernels/cpu/gemv.h"
#include "model/blocks/moe_decode.h"

namespace r1 {

namespace {

// t.load [E], t.first [E + 1], t.slot [T * K] and t.expert_in [T * K, D] from t.routing.
void pack_by_expert(const ModelConfig& c, const float* x, int64_t T, MoeTape& t) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  t.first.assign(size_t(E + 1), 0);
  for (int64_t e = 0; e < E; ++e) t.first[size_t(e + 1)] = t.first[size_t(e)] + t.load[size_t(e)];
  std::vector<int64_t> next(t.first.begin(), t.first.end() - 1);
  t.slot.assign(size_t(T * K), 0);
  t.expert_in = Tensor::zeros(DType::F32, {T * K, D});
  for (int64_t i = 0; i < T * K; ++i) {
    const int64_t row = next[size_t(t.routing.experts[size_t(i)])]++;
    t.slot[size_t(row)] = i;
    std::copy_n(x + (i / K) * D, D, t.expert_in.f32() + row * D);
  }
}

// Inference with more rows than a decode step: one pool task per expert (largest first), each
// running its whole MLP on the calling thread: two barriers per layer instead of three per expert.
void experts_in_parallel(const MoeWeights& w, int64_t D, ComputeType compute, MoeTape& t) {
  R1_ASSERT(compute == ComputeType::F32);  // the caller-thread products are f32 ones
  std::vector<int64_t> order;
  for (size_t e = 0; e < t.load.size(); ++e)
    if (t.load[e] > 0) order.push_back(int64_t(e));
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return t.load[size_t(a)] > t.load[size_t(b)]; });
  default_thread_pool().run(int64_t(order.size()), [&](int64_t i) {
    const size_t e = size_t(order[size_t(i)]);
    const int64_t row = t.first[e];
    mlp_forward(w.experts[e], t.expert_in.f32() + row * D, t.load[e], t.expert_out.f32() + row * D,
                compute, nullptr, Threads::Caller);
  });
}

// Training: each expert over its packed rows in turn (every product on the pool), taped.
void experts_taped(const MoeWeights& w, int64_t D, ComputeType compute, MoeTape& t) {
  t.experts.assign(t.load.size(), MlpTape{});
  for (size_t e = 0; e < t.load.size(); ++e) {
    if (t.load[e] == 0) continue;
    const int64_t row = t.first[e];
    mlp_forward(w.experts[e], t.expert_in.f32() + row * D, t.load[e], t.expert_out.f32() + row * D,
                compute, &t.experts[e]);
  }
}

// y[t] += sum over k in order of g_k out[row of (t, k)].
void add_gated_outputs(const MoeTape& t, int64_t T, int64_t K, int64_t D, float* y) {
  std::vector<int64_t> row_of(t.slot.size());  // slot t * K + k -> packed row
  for (size_t row = 0; row < t.slot.size(); ++row) row_of[size_t(t.slot[row])] = int64_t(row);
  default_thread_pool().parallel_for(T, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t i = t0; i < t1; ++i)
      for (int64_t k = 0; k < K; ++k) {
        const float g = t.routing.weights[size_t(i * K + k)];
        const float* o = t.expert_out.f32() + row_of[size_t(i * K + k)] * D;
        float* yi = y + i * D;
        for (int64_t d = 0; d < D; ++d) yi[d] += g * o[d];
      }
  });
}

// dweights [T, K] -> ADDED into dscores [T, E], through the normalisation and scaling that
// moe_route's weights went through.
void weights_backward(const ModelConfig& c, const Routing& r, const float* dweights, int64_t T,
                      float* dscores) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  const bool normalise = K > 1 && c.norm_topk_prob;
  const bool scaled = c.arch == Arch::DeepseekV3 || !normalise;
  const double factor = scaled ? c.routed_scaling_factor : 1.0;
  for (int64_t t = 0; t < T; ++t) {
    const int32_t* ex = r.experts.data() + t * K;
    const float* s = r.scores.data() + t * E;
    const float* dw = dweights + t * K;
    if (!normalise) {
      for (int64_t k = 0; k < K; ++k) dscores[t * E + ex[k]] += float(factor * dw[k]);
      continue;
    }
    double sum = 1e-20, dot = 0.0;  // w_k = s_k / (sum_j s_j + 1e-20)
    for (int64_t k = 0; k < K; ++k) sum += s[ex[k]];
    for (int64_t k = 0; k < K; ++k) dot += double(dw[k]) * s[ex[k]];
    for (int64_t k = 0; k < K; ++k)
      dscores[t * E + ex[k]] += float(factor * (dw[k] / sum - dot / (sum * sum)));
  }
}

}  // namespace

void moe_forward(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T, float* y,
                 ComputeType compute, MoeTape* tape) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  MoeTape local;
  MoeTape& t = tape ? *tape : local;
  t.routing = moe_route(c, w, x, T);
  t.load.assign(size_t(E), 0);
  for (int32_t e : t.routing.experts) ++t.load[size_t(e)];
  std::fill(y, y + T * D, 0.0f);
  if (!tape && T <= kGemvMaxTokens) return moe_experts_decode(w, t.routing, x, T, K, D, t.load, y);

  pack_by_expert(c, x, T, t);
  t.expert_out = Tensor::zeros(DType::F32, {T * K, D});
  if (tape) {
    experts_taped(w, D, compute, t);
  } else {
    experts_in_parallel(w, D, compute, t);
  }
  add_gated_outputs(t, T, K, D, y);
  if (w.has_shared) {
    std::vector<float> out(size_t(T * D));  // [T, D]
    mlp_forward(w.shared, x, T, out.data(), compute, tape ? &t.shared : nullptr);
    add_inplace(y, out.data(), T * D);
  }
}

void moe_backward(const ModelConfig& c, const MoeWeights& w, const float* x, const MoeTape& tape,
                  const float* dy, int64_t T, const float* dscores, const MoeWeights& grads,
                  float* dx, ComputeType compute) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  std::vector<float> dweights(size_t(T * K));           // [T, K]
  Tensor dout = Tensor::zeros(DType::F32, {T * K, D});  // [T * K, D] packed, times the gate weight
  for (int64_t row = 0; row < T * K; ++row) {
    const int64_t i = tape.slot[size_t(row)];
    const float* dyt = dy + (i / K) * D;
    const float* o = tape.expert_out.f32() + row * D;
    const float g = tape.routing.weights[size_t(i)];
    float* dr = dout.f32() + row * D;
    double dot = 0.0;
    for (int64_t d = 0; d < D; ++d) {
      dot += double(dyt[d]) * o[d];
      dr[d] = g * dyt[d];
    }
    dweights[size_t(i)] = float(dot);
  }
  Tensor din = Tensor::zeros(DType::F32, {T * K, D});  // [T * K, D] packed
  for (int64_t e = 0; e < E; ++e) {
    const int64_t row = tape.first[size_t(e)], n = tape.load[size_t(e)];
    if (n == 0) continue;
    mlp_backward(w.experts[size_t(e)], tape.expert_in.f32() + row * D, tape.experts[size_t(e)],
                 dout.f32() + row * D, n, grads.experts[size_t(e)], din.f32() + row * D, compute);
  }
  for (int64_t row = 0; row < T * K; ++row)
    add_inplace(dx + (tape.slot[size_t(row)] / K) * D, din.f32() + row * D, D);
  if (w.has_shared) mlp_backward(w.shared, x, tape.shared, dy, T, grads.shared, dx, compute);

  Tensor ds = Tensor::zeros(DType::F32, {T, E});  // [T, E] dL/dscores
  if (dscores) std::copy_n(dscores, T * E, ds.f32());
  weights_backward(c, tape.routing, dweights.data(), T, ds.f32());
  Tensor dlogits = Tensor::zeros(DType::F32, {T, E});  // [T, E]
  const float* s = tape.routing.scores.data();
  if (c.scoring_func == ScoringFunc::Sigmoid) {
    for (int64_t i = 0; i < T * E; ++i) dlogits.f32()[i] = ds.f32()[i] * s[i] * (1.0f - s[i]);
  } else {
    softmax_backward(s, ds.f32(), dlogits.f32(), T, E);
  }
  // f32 as in moe_route, whatever the compute type.
  matmul_backward(x, dlogits.f32(), T, WeightMatrix{w.router, {}}, buffer_f32(grads.router),
                  nullptr, dx, ComputeType::F32);
}

double moe_balance_loss(const ModelConfig& c, const MoeTape& tape, const SeqSpans& spans,
                        double alpha, float* dscores) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  R1_ASSERT(!spans.empty());
  const double per_seq = alpha / double(spans.size());
  double loss = 0.0;
  std::vector<double> f(static_cast<size_t>(E)), P(static_cast<size_t>(E));  // [E] each
  const float* scores = tape.routing.scores.data();
  for (const SeqSpan& sp : spans) {
    const double n = double(sp.rows);
    std::fill(f.begin(), f.end(), 0.0);
    std::fill(P.begin(), P.end(), 0.0);
    for (int64_t t = sp.row0; t < sp.row0 + sp.rows; ++t) {
      for (int64_t k = 0; k < K; ++k)
        f[size_t(tape.routing.experts[size_t(t * K + k)])] += double(E) / (double(K) * n);
      const float* s = scores + t * E;
      const double sum = std::accumulate(s, s + E, 0.0);
      for (int64_t e = 0; e < E; ++e) P[size_t(e)] += s[e] / sum / n;
    }
    for (int64_t e = 0; e < E; ++e) loss += per_seq * f[size_t(e)] * P[size_t(e)];
    // g_i = dL/ds'_i,t = per_seq f_i / n; through s' = s / sum: ds_j = (g_j - g . s') / sum.
    for (int64_t t = sp.row0; t < sp.row0 + sp.rows; ++t) {
      const float* s = scores + t * E;
      const double sum = std::accumulate(s, s + E, 0.0);
      double fs = 0.0;
      for (int64_t e = 0; e < E; ++e) fs += f[size_t(e)] * s[e] / sum;
      for (int64_t e = 0; e < E; ++e)
        dscores[t * E + e] += float(per_seq / n * (f[size_t(e)] - fs) / sum);
    }
  }
  return loss;
}

}  // namespace r1
