// The hook that lets a training step optimise any per-token objective of the target tokens'
// log-probabilities (GRPO and its variants) instead of the cross-entropy.
#pragma once

#include <cstdint>
#include <functional>

namespace r1 {

// Called by the training head once per chunk of rows [row0, row0 + n) of the flattened
// [B, T] predictions, in increasing row order. logp [n] is log_softmax(logits)[target] under
// the current parameters; the callback writes dloss/dlogp [n] and returns the rows' summed
// loss. It sees every row, masked ones too: their dlogp is discarded (masked rows get no
// gradient), so it must leave them out of its loss itself.
using TokenObjective =
    std::function<double(int64_t row0, int64_t n, const float* logp, float* dlogp)>;

}  // namespace r1
