// DeepSeekMoE: the router (sigmoid or softmax scores, greedy / group-limited / noaux_tc top-k
// with the correction bias used only for selection) and the routed plus shared experts.
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"
#include "model/weights.h"

namespace r1 {

struct Routing {
  std::vector<int32_t> experts;  // [T, K] chosen expert ids
  std::vector<float> weights;    // [T, K] their gate weights (normalised / scaled per config)
};

// x: [T, D] -> the K experts of every token and their weights.
Routing moe_route(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T);

// x: [T, D] -> y: [T, D]. Tokens are grouped by expert so that each expert runs one GEMM.
void moe_forward(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T, float* y);

}  // namespace r1
