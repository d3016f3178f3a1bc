// MoE training pair: moe_route's choice, experts over their packed tokens, the router gradient
// through the gate weights; and the sequence-wise balance loss.
#include "model/moe_train.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "model/moe.h"
#include "model/train_matmul.h"

namespace r1 {

namespace {

// The router as moe_route reads it (views of the parameter buffer, no copy).
MoeWeights router_weights(const MoeParams& p, const ModelConfig& c) {
  MoeWeights w;
  w.router = Tensor::view(DType::F32, {c.n_routed_experts, c.hidden_size}, p.router, nullptr);
  if (p.score_bias)
    w.score_bias = Tensor::view(DType::F32, {c.n_routed_experts}, p.score_bias, nullptr);
  return w;
}

// scores [T, E] = sigmoid or softmax of x W_router^T, the same products moe_route forms.
void router_scores(const MoeParams& p, const ModelConfig& c, const float* x, int64_t T,
                   float* scores) {
  const int64_t E = c.n_routed_experts;
  // f32 also in bf16 training: DeepSeek-V3 keeps the gating in full precision, and these scores
  // must be the ones moe_route chose the experts by.
  const ComputeScope f32_router(ComputeType::F32);
  train_matmul_forward(x, p.router, scores, T, E, c.hidden_size);
  if (c.scoring_func == ScoringFunc::Sigmoid) {
    for (int64_t i = 0; i < T * E; ++i) scores[i] = 1.0f / (1.0f + std::exp(-scores[i]));
  } else {
    for (int64_t t = 0; t < T; ++t) softmax_inplace(scores + t * E, E);
  }
}

// Packs the (token, slot) pairs by expert: acts.first, acts.slot, acts.load, acts.expert_in.
void pack_by_expert(const ModelConfig& c, const float* x, int64_t T, MoeActivations& acts) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  acts.load.assign(size_t(E), 0);
  for (int32_t e : acts.experts) ++acts.load[size_t(e)];
  acts.first.assign(size_t(E + 1), 0);
  for (int64_t e = 0; e < E; ++e)
    acts.first[size_t(e + 1)] = acts.first[size_t(e)] + acts.load[size_t(e)];
  std::vector<int64_t> next(acts.first.begin(), acts.first.end() - 1);
  acts.slot.assign(size_t(T * K), 0);
  acts.expert_in = Tensor::zeros(DType::F32, {T * K, D});
  for (int64_t i = 0; i < T * K; ++i) {
    const int64_t row = next[size_t(acts.experts[size_t(i)])]++;
    acts.slot[size_t(row)] = i;
    std::copy_n(x + (i / K) * D, D, acts.expert_in.f32() + row * D);
  }
}

// dweights [T, K] -> ADDED into dscores [T, E], through the normalisation and scaling that
// moe_route's weights went through.
void weights_backward(const ModelConfig& c, const MoeActivations& acts, const float* dweights,
                      int64_t T, float* dscores) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  const bool normalise = K > 1 && c.norm_topk_prob;
  const bool scaled = c.arch == Arch::DeepseekV3 || !normalise;
  const double factor = scaled ? c.routed_scaling_factor : 1.0;
  for (int64_t t = 0; t < T; ++t) {
    const int32_t* ex = acts.experts.data() + t * K;
    const float* s = acts.scores.f32() + t * E;
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

void moe_train_forward(const MoeParams& p, const ModelConfig& c, const float* x, int64_t T,
                       MoeActivations& acts, float* y) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  Routing r = moe_route(c, router_weights(p, c), x, T);
  acts.experts = std::move(r.experts);
  acts.weights = std::move(r.weights);
  acts.scores = Tensor::zeros(DType::F32, {T, E});
  router_scores(p, c, x, T, acts.scores.f32());
  pack_by_expert(c, x, T, acts);

  acts.expert_out = Tensor::zeros(DType::F32, {T * K, D});
  acts.expert_acts.assign(size_t(E), MlpActivations{});
  for (int64_t e = 0; e < E; ++e) {
    const int64_t row = acts.first[size_t(e)], n = acts.load[size_t(e)];
    if (n == 0) continue;
    mlp_train_forward(p.experts[size_t(e)], acts.expert_in.f32() + row * D, n,
                      acts.expert_acts[size_t(e)], acts.expert_out.f32() + row * D);
  }
  if (p.has_shared) {
    mlp_train_forward(p.shared, x, T, acts.shared, y);
  } else {
    std::fill(y, y + T * D, 0.0f);
  }
  for (int64_t row = 0; row < T * K; ++row) {
    const int64_t i = acts.slot[size_t(row)];
    const float g = acts.weights[size_t(i)];
    const float* o = acts.expert_out.f32() + row * D;
    float* yt = y + (i / K) * D;
    for (int64_t d = 0; d < D; ++d) yt[d] += g * o[d];
  }
}

void moe_train_backward(const MoeParams& p, const ModelConfig& c, const float* x,
                        const MoeActivations& acts, const float* dy, int64_t T,
                        const float* dscores, const MoeParams& grads, float* dx) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  std::vector<float> dweights(size_t(T * K));           // [T, K]
  Tensor dout = Tensor::zeros(DType::F32, {T * K, D});  // [T * K, D] packed, times the gate weight
  for (int64_t row = 0; row < T * K; ++row) {
    const int64_t i = acts.slot[size_t(row)];
    const float* dyt = dy + (i / K) * D;
    const float* o = acts.expert_out.f32() + row * D;
    const float g = acts.weights[size_t(i)];
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
    const int64_t row = acts.first[size_t(e)], n = acts.load[size_t(e)];
    if (n == 0) continue;
    mlp_train_backward(p.experts[size_t(e)], acts.expert_in.f32() + row * D,
                       acts.expert_acts[size_t(e)], dout.f32() + row * D, n,
                       grads.experts[size_t(e)], din.f32() + row * D);
  }
  for (int64_t row = 0; row < T * K; ++row)
    add_inplace(dx + (acts.slot[size_t(row)] / K) * D, din.f32() + row * D, D);
  if (p.has_shared) mlp_train_backward(p.shared, x, acts.shared, dy, T, grads.shared, dx);

  Tensor ds = Tensor::zeros(DType::F32, {T, E});  // [T, E] dL/dscores
  if (dscores) std::copy_n(dscores, T * E, ds.f32());
  weights_backward(c, acts, dweights.data(), T, ds.f32());
  Tensor dlogits = Tensor::zeros(DType::F32, {T, E});  // [T, E]
  const float* s = acts.scores.f32();
  if (c.scoring_func == ScoringFunc::Sigmoid) {
    for (int64_t i = 0; i < T * E; ++i) dlogits.f32()[i] = ds.f32()[i] * s[i] * (1.0f - s[i]);
  } else {
    softmax_backward(s, ds.f32(), dlogits.f32(), T, E);
  }
  const ComputeScope f32_router(ComputeType::F32);  // as in router_scores
  train_matmul_dx(dlogits.f32(), p.router, dx, T, E, D);
  train_matmul_dw(dlogits.f32(), x, grads.router, T, E, D);
}

double moe_balance_loss(const ModelConfig& c, const MoeActivations& acts, const SeqSpans& spans,
                        double alpha, float* dscores) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  R1_ASSERT(!spans.empty());
  const double per_seq = alpha / double(spans.size());
  double loss = 0.0;
  std::vector<double> f(static_cast<size_t>(E)), P(static_cast<size_t>(E));  // [E] each
  for (const SeqSpan& sp : spans) {
    const double n = double(sp.rows);
    std::fill(f.begin(), f.end(), 0.0);
    std::fill(P.begin(), P.end(), 0.0);
    for (int64_t t = sp.row0; t < sp.row0 + sp.rows; ++t) {
      for (int64_t k = 0; k < K; ++k)
        f[size_t(acts.experts[size_t(t * K + k)])] += double(E) / (double(K) * n);
      const float* s = acts.scores.f32() + t * E;
      const double sum = std::accumulate(s, s + E, 0.0);
      for (int64_t e = 0; e < E; ++e) P[size_t(e)] += s[e] / sum / n;
    }
    for (int64_t e = 0; e < E; ++e) loss += per_seq * f[size_t(e)] * P[size_t(e)];
    // g_i = dL/ds'_i,t = per_seq f_i / n; through s' = s / sum: ds_j = (g_j - g . s') / sum.
    for (int64_t t = sp.row0; t < sp.row0 + sp.rows; ++t) {
      const float* s = acts.scores.f32() + t * E;
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
