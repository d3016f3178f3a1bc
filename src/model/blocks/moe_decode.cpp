// Decode MoE experts: the chosen experts' and the shared expert's gate/up rows in one pool run,
// their down rows in a second, every expert reading all T tokens (a memory-bound product costs
// the same for 1..4 tokens, and the input is quantised once for all of them).
#include "model/blocks/moe_decode.h"

#include <algorithm>

#include "core/thread_pool.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gemv.h"

namespace r1 {

namespace {

struct ExpertJob {
  const MlpWeights* mlp;
  std::vector<float> gate, up;  // [T, I]; gate then holds silu(gate) * up
  QuantizedInput hidden_act;
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
    gemv_rows_quantized(x, ldx, *act, T, l.weight, r0, r1, y + r0, l.weight.rows());
    if (l.bias_ptr())
      for (int64_t t = 0; t < T; ++t)
        for (int64_t r = r0; r < r1; ++r) y[t * l.weight.rows() + r] += l.bias_ptr()[r];
  });
}

}  // namespace

void moe_experts_decode(const MoeWeights& w, const Routing& r, const float* x, int64_t T, int64_t K,
                        int64_t D, const std::vector<int64_t>& load, float* y) {
  std::vector<ExpertJob> jobs;
  std::vector<int64_t> expert_of;  // routed expert of jobs[j], -1 for the shared one
  for (size_t e = 0; e < load.size(); ++e)
    if (load[e] > 0)
      jobs.push_back({&w.experts[e], {}, {}, {}, {}}), expert_of.push_back(int64_t(e));
  if (w.has_shared) jobs.push_back({&w.shared, {}, {}, {}, {}}), expert_of.push_back(-1);
  if (jobs.empty()) return;
  for (ExpertJob& j : jobs) {
    const int64_t I = j.mlp->gate.weight.rows();
    j.gate.resize(size_t(T * I));
    j.up.resize(size_t(T * I));
    j.out.resize(size_t(T * D));
  }
  QuantizedInput x_act;  // shared by every gate and up product that reads blocks
  for (ExpertJob& j : jobs) {
    quantize_input(j.mlp->gate.weight, x, D, T, x_act);
    quantize_input(j.mlp->up.weight, x, D, T, x_act);
  }
  struct In {
    const float* x;
    int64_t ldx;
    const QuantizedInput* act;
  };
  const auto from_x = [&](ExpertJob&) { return In{x, D, &x_act}; };
  rows_of_all(
      jobs, T, [](ExpertJob& j) -> const Linear& { return j.mlp->gate; }, from_x,
      [](ExpertJob& j) { return j.gate.data(); });
  rows_of_all(
      jobs, T, [](ExpertJob& j) -> const Linear& { return j.mlp->up; }, from_x,
      [](ExpertJob& j) { return j.up.data(); });
  for (ExpertJob& j : jobs) {
    const int64_t I = j.mlp->gate.weight.rows();
    silu_mul(j.gate.data(), j.up.data(), j.gate.data(), T * I);
    quantize_input(j.mlp->down.weight, j.gate.data(), I, T, j.hidden_act);
  }
  rows_of_all(
      jobs, T, [](ExpertJob& j) -> const Linear& { return j.mlp->down; },
      [](ExpertJob& j) {
        return In{j.gate.data(), j.mlp->gate.weight.rows(), &j.hidden_act};
      },
      [](ExpertJob& j) { return j.out.data(); });

  // y[t] = sum over k of g_k out_k[t], then + shared[t]: the order of moe_forward's other paths,
  // so a token's output does not depend on how many tokens share the pass.
  std::vector<size_t> job_of(load.size());
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

}  // namespace r1
