// Backward of the token embedding lookup x[t] = E[tokens[t]].
#pragma once

#include <cstdint>

namespace r1 {

// dE[tokens[t]] += dx[t] for every t (repeated tokens add up). tokens: [T], each in [0, V)
// (checked by the forward lookup), dx: [T, D], dE: [V, D].
void embedding_backward(const int32_t* tokens, const float* dx, int64_t T, int64_t D, int64_t V,
                        float* dE);

}  // namespace r1
