// The decode specialisation of the MoE experts: for a few tokens every chosen expert and the
// shared expert run as one set of GEMV products (two pool runs per layer).
#pragma once

#include <cstdint>
#include <vector>

#include "model/blocks/moe.h"

namespace r1 {

// y [T, D] (zeroed by the caller) += sum over k of g_k expert(x[t]), then + shared(x[t]), in the
// order moe_forward's other paths add in. load: [E] tokens routed to each expert.
void moe_experts_decode(const MoeWeights& w, const Routing& r, const float* x, int64_t T, int64_t K,
                        int64_t D, const std::vector<int64_t>& load, float* y);

}  // namespace r1
