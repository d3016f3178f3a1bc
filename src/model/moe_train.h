// Training forward/backward of DeepSeekMoE: routing exactly as moe_route (the top-k choice is
// not differentiated), routed experts run one batch per expert, shared experts; plus the
// sequence-wise balance loss (DeepSeek-V3 eqs. 17-20) and the per-expert load that drives the
// auxiliary-loss-free bias update (train/expert_bias.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/mlp_train.h"
#include "model/train_weights.h"

namespace r1 {

// What the backward and the balance loss read; filled by moe_train_forward. E routed experts,
// K per token; the T * K (token, slot) pairs are packed by expert, expert e owning packed rows
// first[e] .. first[e + 1] - 1 in token order.
struct MoeActivations {
  Tensor scores;                 // [T, E] unbiased affinities: sigmoid (V3) / softmax (V2) of x W^T
  std::vector<int32_t> experts;  // [T, K] chosen experts, as moe_route chooses them
  std::vector<float> weights;    // [T, K] their gate weights (normalised / scaled per config)
  std::vector<int64_t> first;    // [E + 1] first packed row of each expert
  std::vector<int64_t> slot;     // [T * K] packed row -> its slot t * K + k
  Tensor expert_in;              // [T * K, D] packed expert inputs (rows of x)
  Tensor expert_out;             // [T * K, D] packed expert outputs, before the gate weight
  std::vector<MlpActivations> expert_acts;  // [E]
  MlpActivations shared;                    // shared experts (when p.has_shared)
  std::vector<int64_t> load;                // [E] tokens routed to each expert in these T rows
};

// x: [T, D] (the normalised block input) -> y: [T, D] (overwritten):
//   y[t] = sum_k weights[t, k] expert_{experts[t, k]}(x[t]) + shared(x[t]).
void moe_train_forward(const MoeParams& p, const ModelConfig& c, const float* x, int64_t T,
                       MoeActivations& acts, float* y);

// Gradients of y given dy [T, D], ADDED into grads (router, experts, shared; score_bias is never
// touched) and dx [T, D]. dscores: [T, E] an extra gradient with respect to acts.scores (the
// balance loss's, from moe_balance_loss) or nullptr. Gradients reach the router through the
// chosen experts' weights (normalisation and scaling included) and through dscores.
void moe_train_backward(const MoeParams& p, const ModelConfig& c, const float* x,
                        const MoeActivations& acts, const float* dy, int64_t T,
                        const float* dscores, const MoeParams& grads, float* dx);

// Sequence-wise balance loss over the sequences `spans` of the T rows (row0, rows; the other
// fields are not read): per sequence of n tokens,
//   f_i = E / (K n) * #tokens of the sequence routed to i,
//   P_i = 1/n sum_t s_i,t / sum_j s_j,t   (unbiased affinities normalised per token),
//   L_seq = sum_i f_i P_i;
// returns alpha * mean over the sequences of L_seq and ADDS its gradient with respect to
// acts.scores into dscores [T, E] (through P only: f is a count). Pass dscores on to
// moe_train_backward.
double moe_balance_loss(const ModelConfig& c, const MoeActivations& acts, const SeqSpans& spans,
                        double alpha, float* dscores);

}  // namespace r1
