// Log-probability of each row's target token under log_softmax of its logits, and the gradient
// of any function of those log-probabilities back onto the logits (per-token RL objectives).
#pragma once

#include <cstdint>

namespace r1 {

// logits: [T, V], targets: [T] (every row's target must be in [0, V); Error naming the row
// otherwise). Writes logp [T] = log_softmax(logits[t])[targets[t]] and lse [T], the rows'
// log-sum-exp in double, which target_logprobs_backward reuses.
void target_logprobs(const float* logits, const int32_t* targets, int64_t T, int64_t V, float* logp,
                     double* lse);

// Given dlogp [T] (the gradient of a loss on logp), writes dlogits [T, V] =
// dlogp[t] * (onehot(targets[t]) - softmax(logits[t])), overwritten, not added; dlogits may
// alias logits. A row with dlogp == 0 gets exact zeros.
void target_logprobs_backward(const float* logits, const int32_t* targets, const double* lse,
                              const float* dlogp, int64_t T, int64_t V, float* dlogits);

}  // namespace r1
