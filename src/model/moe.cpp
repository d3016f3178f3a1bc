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
  // Up to the batch-invariant decode size the scores come from the GEMV kernels, whose sums for
  // a token do not depend on how many tokens share the pass. BLAS sgemm may sum a row in another
  // order for another row count (OpenBLAS's Haswell and Zen kernels do), which would let a
  // sequence's routing, and so its logits, depend on the batch it decodes in.
  if (T <= kGemvWidenedMaxTokens) {
    gemv(x, T, WeightMatrix{w.router, {}}, scores.data());
  } else {
    gemm_f32(x, w.router.f32(), scores.data(), T, E, D, true);
  }
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

// Decode (T <= kGemvMaxTokens): the chosen experts and the shared expert as one set of products,
// two pool runs per layer (gate and up rows of them all, then the down rows) instead of three
// per expert. Every expert reads all T tokens: a memory-bound product costs the same for 1..4
// tokens, and the input is quantised once for all of them.
struct ExpertJob {
  const MlpWeights* mlp;
  std::vector<float> gate, up;  // [T, I]; gate then holds silu(gate) * up
  std::vector<ActBlock> hidden_act;
  std::vector<float> out;  // [T, D]
};

constexpr int64_t kDecodeRowsPerTask = 64;  // a multiple of the interleaved row groups

// One pool run over row chunks of matrix(job) for every job: y(job)[t, r] = W[r] . input(job)[t].
template <typename Matrix, typename Input, typename Output>
void rows_of_all(std::vector<ExpertJob>& jobs, int64_t T, Matrix matrix, Input input,
                 Output output) {
  std::vector<std::pair<size_t, int64_t>> tasks;  // (job, first row)
  for (size_t j = 0; j < jobs.size(); ++j)
    for (int64_t r = 0; r < matrix(jobs[j]).weight.rows(); r += kDecodeRowsPerTask)
      tasks.emplace_back(j, r);
  default_thread_pool().run(int64_t(tasks.size()), [&](int64_t i) {
    ExpertJob& job = jobs[tasks[size_t(i)].first];
    const Linear& l = matrix(job);
    const int64_t r0 = tasks[size_t(i)].second,
                  r1 = std::min(l.weight.rows(), r0 + kDecodeRowsPerTask);
    const auto [x, ldx, act] = input(job);
    float* y = output(job);
    gemv_rows_quantized(x, ldx, act, T, l.weight, r0, r1, y + r0, l.weight.rows());
    if (l.bias_ptr())
      for (int64_t t = 0; t < T; ++t)
        for (int64_t r = r0; r < r1; ++r) y[t * l.weight.rows() + r] += l.bias_ptr()[r];
  });
}

void experts_decode(const MoeWeights& w, const Routing& r, const float* x, int64_t T, int64_t K,
                    int64_t D, const std::vector<std::vector<int64_t>>& slots, float* y) {
  std::vector<ExpertJob> jobs;
  std::vector<int64_t> expert_of;  // routed expert of jobs[j], -1 for the shared one
  for (size_t e = 0; e < slots.size(); ++e)
    if (!slots[e].empty()) jobs.push_back({&w.experts[e], {}, {}, {}, {}}), expert_of.push_back(int64_t(e));
  if (w.has_shared) jobs.push_back({&w.shared, {}, {}, {}, {}}), expert_of.push_back(-1);
  if (jobs.empty()) return;
  for (ExpertJob& j : jobs) {
    const int64_t I = j.mlp->gate.weight.rows();
    j.gate.resize(size_t(T * I));
    j.up.resize(size_t(T * I));
    j.out.resize(size_t(T * D));
  }
  std::vector<ActBlock> x_act;  // shared by every gate and up product that reads blocks
  const bool any_blocks = std::any_of(jobs.begin(), jobs.end(), [](const ExpertJob& j) {
    return gemv_quantizes_input(j.mlp->gate.weight) || gemv_quantizes_input(j.mlp->up.weight);
  });
  if (any_blocks) quantize_activations(x, D, T, D, x_act);
  struct In {
    const float* x;
    int64_t ldx;
    const ActBlock* act;
  };
  const auto from_x = [&](ExpertJob&) { return In{x, D, x_act.data()}; };
  rows_of_all(jobs, T, [](ExpertJob& j) -> const Linear& { return j.mlp->gate; }, from_x,
              [](ExpertJob& j) { return j.gate.data(); });
  rows_of_all(jobs, T, [](ExpertJob& j) -> const Linear& { return j.mlp->up; }, from_x,
              [](ExpertJob& j) { return j.up.data(); });
  for (ExpertJob& j : jobs) {
    const int64_t I = j.mlp->gate.weight.rows();
    silu_mul(j.gate.data(), j.up.data(), j.gate.data(), T * I);
    if (gemv_quantizes_input(j.mlp->down.weight))
      quantize_activations(j.gate.data(), I, T, I, j.hidden_act);
  }
  rows_of_all(
      jobs, T, [](ExpertJob& j) -> const Linear& { return j.mlp->down; },
      [](ExpertJob& j) { return In{j.gate.data(), j.mlp->gate.weight.rows(), j.hidden_act.data()}; },
      [](ExpertJob& j) { return j.out.data(); });

  // y[t] = sum over k of g_k out_k[t], then + shared[t]: the order experts_in_parallel adds in,
  // so a token's output does not depend on how many tokens share the pass.
  std::vector<size_t> job_of(slots.size());
  for (size_t j = 0; j < jobs.size(); ++j)
    if (expert_of[j] >= 0) job_of[size_t(expert_of[j])] = j;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < K; ++k) {
      const float g = r.weights[size_t(t * K + k)];
      const float* out = jobs[job_of[size_t(r.experts[size_t(t * K + k)])]].out.data() + t * D;
      for (int64_t d = 0; d < D; ++d) y[t * D + d] += g * out[d];
    }
  if (w.has_shared) add_inplace(y, jobs.back().out.data(), T * D);
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
  if (T <= kGemvMaxTokens) return experts_decode(w, r, x, T, K, D, slots, y);
  experts_in_parallel(w, r, x, T, K, D, slots, y);
  if (w.has_shared) {
    std::vector<float> out(size_t(T * D));
    mlp_forward(w.shared, x, T, out.data());
    add_inplace(y, out.data(), T * D);
  }
}

}  // namespace r1
