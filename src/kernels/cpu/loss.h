// Cross-entropy of next-token logits with an optional loss mask, and its gradient.
#pragma once

#include <cstdint>

namespace r1 {

struct CrossEntropyResult {
  double loss = 0.0;   // mean over the counted tokens of -log softmax(logits[t])[target[t]]
  int64_t tokens = 0;  // tokens counted (mask nonzero)
};

// logits: [T, V], targets: [T], mask: [T] (nonzero: the token counts) or nullptr (all count).
// Writes dlogits: [T, V] (may alias logits; overwritten, not added): the gradient of the mean
// loss, (softmax - onehot(target)) / tokens for counted rows and zero for masked rows.
// When no token counts the loss is 0 and dlogits all zero: a sequence whose loss span was cut
// off contributes nothing instead of failing the step.
// Throws Error naming the position when a counted target is outside [0, V); masked targets are
// not read (padding may hold anything).
CrossEntropyResult cross_entropy(const float* logits, const int32_t* targets, const uint8_t* mask,
                                 int64_t T, int64_t V, float* dlogits);

}  // namespace r1
