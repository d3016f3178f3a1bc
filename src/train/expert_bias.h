// Auxiliary-loss-free load balancing (DeepSeek-V3 section 2.1.2): after each step every routed
// expert's selection bias moves by a fixed speed towards the mean load.
#pragma once

#include <cstdint>

namespace r1 {

// bias_i += gamma * sign(mean_j load_j - load_i) for the E experts of one MoE layer: an
// overloaded expert becomes less likely to be chosen, an underloaded one more. bias: [E] (the
// layer's e_score_correction_bias in the parameter buffer), load: [E] routed tokens of the step
// (MoeActivations::load summed over the step's micro-batches). A load equal to the mean leaves
// its bias unchanged.
void update_expert_bias(float* bias, const int64_t* load, int64_t E, float gamma);

}  // namespace r1
