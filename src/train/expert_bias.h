// Auxiliary-loss-free load balancing (DeepSeek-V3 section 2.1.2): after each step every routed
// expert's selection bias moves by a fixed speed towards the mean load.
#pragma once

#include <cstdint>
#include <vector>

#include "model/weights.h"

namespace r1 {

// bias_i += gamma * sign(mean_j load_j - load_i) for the E experts of one MoE layer: an
// overloaded expert becomes less likely to be chosen, an underloaded one more. bias: [E] (the
// layer's e_score_correction_bias in the parameter buffer), load: [E] routed tokens of the step
// (MoeTape::load summed over the step's micro-batches). A load equal to the mean leaves
// its bias unchanged.
void update_expert_bias(float* bias, const int64_t* load, int64_t E, float gamma);

// update_expert_bias for every MoE layer with a bias: load [MoE layer][E] in layer order (as
// TrainStepResult::expert_load).
void update_expert_biases(const ModelWeights& params,
                          const std::vector<std::vector<int64_t>>& load, int64_t E, float gamma);

// sum += part, per layer and expert (a step's load over its micro-batches); sum grows to fit.
void add_expert_load(std::vector<std::vector<int64_t>>& sum,
                     const std::vector<std::vector<int64_t>>& part);

}  // namespace r1
