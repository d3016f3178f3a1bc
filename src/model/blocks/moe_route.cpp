// MoE routing, following the DeepSeek-V2/V3 gate semantics.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gemv.h"
#include "kernels/cpu/linear.h"
#include "model/blocks/moe.h"

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
  Routing r;
  r.scores.resize(size_t(T * E));  // [T, E]
  // Up to the batch-invariant decode size the scores come from the GEMV kernels, whose sums for
  // a token do not depend on how many tokens share the pass. BLAS sgemm may sum a row in another
  // order for another row count (OpenBLAS's Haswell and Zen kernels do), which would let a
  // sequence's routing, and so its logits, depend on the batch it decodes in.
  if (T <= kGemvWidenedMaxTokens) {
    gemv(x, T, WeightMatrix{w.router, {}}, r.scores.data());
  } else {
    gemm_f32(x, w.router.f32(), r.scores.data(), T, E, D, true);
  }
  r.experts.resize(size_t(T * K));
  r.weights.resize(size_t(T * K));
  std::vector<float> choice(static_cast<size_t>(E));
  for (int64_t t = 0; t < T; ++t) {
    float* s = r.scores.data() + t * E;
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

}  // namespace r1
