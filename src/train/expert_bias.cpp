// The sign rule of the auxiliary-loss-free bias update, for one layer and for all MoE layers.
#include "train/expert_bias.h"

#include <algorithm>

namespace r1 {

void update_expert_bias(float* bias, const int64_t* load, int64_t E, float gamma) {
  int64_t total = 0;
  for (int64_t e = 0; e < E; ++e) total += load[e];
  // Compare load_i * E with the total instead of with the mean: exact in integers.
  for (int64_t e = 0; e < E; ++e) {
    const int64_t scaled = load[e] * E;
    if (scaled < total) bias[e] += gamma;
    if (scaled > total) bias[e] -= gamma;
  }
}

void update_expert_biases(const ModelWeights& params,
                          const std::vector<std::vector<int64_t>>& load, int64_t E, float gamma) {
  size_t moe = 0;
  for (const BlockWeights& b : params.layers)
    if (b.is_moe && b.moe.score_bias.defined() && moe < load.size())
      update_expert_bias(buffer_f32(b.moe.score_bias), load[moe++].data(), E, gamma);
}

void add_expert_load(std::vector<std::vector<int64_t>>& sum,
                     const std::vector<std::vector<int64_t>>& part) {
  if (sum.size() < part.size()) sum.resize(part.size());
  for (size_t l = 0; l < part.size(); ++l) {
    sum[l].resize(std::max(sum[l].size(), part[l].size()), 0);
    for (size_t e = 0; e < part[l].size(); ++e) sum[l][e] += part[l][e];
  }
}

}  // namespace r1
