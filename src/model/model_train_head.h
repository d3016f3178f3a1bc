// The training output head: rmsnorm, vocabulary projection and masked cross-entropy, forward
// and backward in one call, so the [rows, V] logits exist only a chunk at a time.
#pragma once

#include <cstdint>

#include "model/config.h"

namespace r1 {

struct HeadParams {
  float* norm = nullptr;  // [D]
  float* head = nullptr;  // [V, D]
};

struct HeadLossResult {
  double loss = 0.0;   // sum of the counted rows' cross-entropy / normaliser
  int64_t tokens = 0;  // counted rows
};

// x: [N, D] (the last hidden states), targets: [N], mask: [N] or nullptr (all count).
// normaliser: the divisor of the summed cross-entropy, 0 = the counted rows of this call.
// ADDS the gradient of weight * loss into grads (the same head in the gradient view) and
// dx [N, D]. Targets of counted rows must be in [0, V) (checked by the caller).
HeadLossResult head_loss_train(const ModelConfig& c, const HeadParams& p, const float* x,
                               const int32_t* targets, const uint8_t* mask, int64_t N,
                               int64_t normaliser, double weight, const HeadParams& grads,
                               float* dx);

}  // namespace r1
