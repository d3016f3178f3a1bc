// MoE routing and expert dispatch, following the DeepSeek-V2/V3 gate semantics.
#include "model/moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/thread_pool.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/linear.h"
#include "model/mlp.h"

namespace r1 {

namespace {

// Indices of the k largest values (ties: lower index first), in descending order of value.
std::vector<int32_t> top_k_indices(const float* v, int64_t n, int64_t k) {
  std::vector<int32_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [v](int32_t a, int32_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
  idx.resize(size_t(k));
  return idx;
}

// Masks (to -inf) the experts outside the topk_group best groups.
void limit_to_groups(const ModelConfig& c, float* choice) {
  const int64_t per_group = c.n_routed_experts / c.n_group;
  std::vector<float> group_score(size_t(c.n_group));
  for (int64_t g = 0; g < c.n_group; ++g) {
    const float* s = choice + g * per_group;
    if (c.topk_method == TopkMethod::NoauxTc) {  // sum of the group's top-2
      auto top2 = top_k_indices(s, per_group, 2);
      group_score[size_t(g)] = s[top2[0]] + s[top2[1]];
    } else {  // group_limited_greedy: the group's best expert
      group_score[size_t(g)] = *std::max_element(s, s + per_group);
    }
  }
  auto keep = top_k_indices(group_score.data(), c.n_group, c.topk_group);
  std::vector<bool> kept(size_t(c.n_group), false);
  for (int32_t g : keep) kept[size_t(g)] = true;
  for (int64_t g = 0; g < c.n_group; ++g)
    if (!kept[size_t(g)])
      std::fill(choice + g * per_group, choice + (g + 1) * per_group, -INFINITY);
}

void finish_weights(const ModelConfig& c, float* w) {
  const int64_t K = c.num_experts_per_tok;
  const bool normalise = K > 1 && c.norm_topk_prob;
  if (normalise) {
    float sum = 0.0f;
    for (int64_t k = 0; k < K; ++k) sum += w[k];
    for (int64_t k = 0; k < K; ++k) w[k] /= sum + 1e-20f;
  }
  // V3 always scales; V2 scales only when it did not normalise.
  const bool scale = c.arch == Arch::DeepseekV3 || !normalise;
  if (scale)
    for (int64_t k = 0; k < K; ++k) w[k] *= float(c.routed_scaling_factor);
}

}  // namespace

Routing moe_route(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  std::vector<float> scores(size_t(T * E));  // [T, E]
  gemm_f32(x, w.router.f32(), scores.data(), T, E, D, true);
  Routing r;
  r.experts.resize(size_t(T * K));
  r.weights.resize(size_t(T * K));
  std::vector<float> choice(static_cast<size_t>(E));
  for (int64_t t = 0; t < T; ++t) {
    float* s = scores.data() + t * E;
    if (c.scoring_func == ScoringFunc::Sigmoid) {
      for (int64_t e = 0; e < E; ++e) s[e] = 1.0f / (1.0f + std::exp(-s[e]));
    } else {
      softmax_inplace(s, E);
    }
    for (int64_t e = 0; e < E; ++e)
      choice[size_t(e)] = s[e] + (w.score_bias.defined() ? w.score_bias.f32()[e] : 0.0f);
    if (c.topk_method != TopkMethod::Greedy) limit_to_groups(c, choice.data());
    auto chosen = top_k_indices(choice.data(), E, K);
    for (int64_t k = 0; k < K; ++k) {
      r.experts[size_t(t * K + k)] = chosen[size_t(k)];
      r.weights[size_t(t * K + k)] = s[chosen[size_t(k)]];
    }
    finish_weights(c, r.weights.data() + t * K);
  }
  return r;
}

namespace {

// Decode: few tokens, each expert's products split over the pool one after another.
void experts_one_by_one(const MoeWeights& w, const Routing& r, const float* x, int64_t K,
                        int64_t D, const std::vector<std::vector<int64_t>>& slots, float* y) {
  std::vector<float> in, out;
  for (size_t e = 0; e < slots.size(); ++e) {
    const auto& s = slots[e];
    if (s.empty()) continue;
    const int64_t n = int64_t(s.size());
    in.resize(size_t(n * D));
    out.resize(size_t(n * D));
    for (int64_t j = 0; j < n; ++j)  // gather: [n, D]
      std::copy(x + (s[size_t(j)] / K) * D, x + (s[size_t(j)] / K + 1) * D, in.data() + j * D);
    mlp_forward(w.experts[e], in.data(), n, out.data());
    for (int64_t j = 0; j < n; ++j) {  // scatter-add with the gate weight
      const float g = r.weights[size_t(s[size_t(j)])];
      float* yr = y + (s[size_t(j)] / K) * D;
      const float* o = out.data() + j * D;
      for (int64_t d = 0; d < D; ++d) yr[d] += g * o[d];
    }
  }
}

// Prefill: one pool task per expert (largest first), each running its whole MLP on the
// calling thread over its gathered tokens: two barriers per layer instead of three per expert.
void experts_in_parallel(const MoeWeights& w, const Routing& r, const float* x, int64_t T,
                         int64_t K, int64_t D, const std::vector<std::vector<int64_t>>& slots,
                         float* y) {
  std::vector<int64_t> order, first(slots.size() + 1, 0);  // packed rows per expert
  for (size_t e = 0; e < slots.size(); ++e) {
    first[e + 1] = first[e] + int64_t(slots[e].size());
    if (!slots[e].empty()) order.push_back(int64_t(e));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return slots[size_t(a)].size() > slots[size_t(b)].size(); });
  std::vector<float> in(size_t(T * K * D)), out(size_t(T * K * D));  // [T * K, D] by expert
  std::vector<int64_t> row_of(size_t(T * K));                          // slot t*K+k -> packed row
  for (size_t e = 0; e < slots.size(); ++e)
    for (size_t j = 0; j < slots[e].size(); ++j) {
      const int64_t row = first[e] + int64_t(j), slot = slots[e][j];
      row_of[size_t(slot)] = row;
      std::copy(x + (slot / K) * D, x + (slot / K + 1) * D, in.data() + row * D);
    }
  ThreadPool& pool = default_thread_pool();
  pool.run(int64_t(order.size()), [&](int64_t i) {
    const size_t e = size_t(order[size_t(i)]);
    const int64_t row = first[e], n = first[e + 1] - first[e];
    mlp_forward(w.experts[e], in.data() + row * D, n, out.data() + row * D, Threads::Caller);
  });
  pool.parallel_for(T, 1, [&](int64_t t0, int64_t t1) {  // y[t] = sum_k g_k out[row(t, k)]
    for (int64_t t = t0; t < t1; ++t)
      for (int64_t k = 0; k < K; ++k) {
        const float g = r.weights[size_t(t * K + k)];
        const float* o = out.data() + row_of[size_t(t * K + k)] * D;
        float* yt = y + t * D;
        for (int64_t d = 0; d < D; ++d) yt[d] += g * o[d];
      }
  });
}

}  // namespace

void moe_forward(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T, float* y) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  const Routing r = moe_route(c, w, x, T);
  std::vector<std::vector<int64_t>> slots(static_cast<size_t>(E));  // per expert: indices t*K+k
  for (int64_t i = 0; i < T * K; ++i) slots[size_t(r.experts[size_t(i)])].push_back(i);

  std::fill(y, y + T * D, 0.0f);
  if (T > kGemvMaxTokens && default_thread_pool().threads() > 1) {
    experts_in_parallel(w, r, x, T, K, D, slots, y);
  } else {
    experts_one_by_one(w, r, x, K, D, slots, y);
  }
  if (w.has_shared) {
    std::vector<float> out(size_t(T * D));
    mlp_forward(w.shared, x, T, out.data());
    add_inplace(y, out.data(), T * D);
  }
}

}  // namespace r1
