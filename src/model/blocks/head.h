// The output head in training: rmsnorm, vocabulary projection and masked cross-entropy (or a
// per-token objective), forward and backward in one call, so the [rows, V] logits exist only a
// chunk at a time; and the forward-only log-probabilities of the targets.
#pragma once

#include <cstdint>

#include "kernels/cpu/matmul.h"
#include "model/config.h"
#include "model/token_objective.h"

namespace r1 {

struct HeadWeights {
  Tensor norm;        // [D] f32
  WeightMatrix head;  // [V, D] f32
};

struct HeadLossResult {
  double loss = 0.0;   // sum of the counted rows' cross-entropy / normaliser, or the objective's
  int64_t tokens = 0;  // counted rows
};

// x: [N, D] (the last hidden states), targets: [N], mask: [N] or nullptr (all count).
// normaliser: the divisor of the summed cross-entropy, 0 = the counted rows of this call.
// ADDS the gradient of weight * loss into grads (the same head in the gradient tree) and
// dx [N, D]. Targets of counted rows must be in [0, V) (checked by the caller).
// With an objective (non-empty) it replaces the cross-entropy and normaliser does not apply:
// the loss is the sum of its returns and dlogits = weight * dlogp * (onehot - softmax); every
// target must then be in [0, V), as the objective sees all rows. When no row counts, nothing
// is computed (the objective is not called). The objective's logp are those of
// log_softmax(logits / temperature), the distribution a sampler at that temperature draws from
// (temperature > 0; 1 for the model's own distribution).
HeadLossResult head_loss_train(const ModelConfig& c, const HeadWeights& w, const float* x,
                               const int32_t* targets, const uint8_t* mask, int64_t N,
                               int64_t normaliser, double weight, const HeadWeights& grads,
                               float* dx, const TokenObjective& objective, float temperature,
                               ComputeType compute);

// Forward only: logp [N] = log_softmax(head(rmsnorm(x)) / temperature)[targets] for every row,
// x [N, D], targets [N] in [0, V); the logits exist a chunk at a time. The same numbers, bit for
// bit, as the objective of head_loss_train sees.
void head_token_logprobs(const ModelConfig& c, const HeadWeights& w, const float* x,
                         const int32_t* targets, int64_t N, float* logp, float temperature,
                         ComputeType compute);

}  // namespace r1
