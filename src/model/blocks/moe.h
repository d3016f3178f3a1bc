// DeepSeekMoE: the router (sigmoid or softmax scores, greedy / group-limited / noaux_tc top-k
// with the correction bias used only for selection), the routed plus shared experts, forward and
// backward; the sequence-wise balance loss (DeepSeek-V3 eqs. 17-20) and the per-expert load that
// drives the auxiliary-loss-free bias update (train/expert_bias.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "kernels/cpu/matmul.h"
#include "model/batch.h"
#include "model/blocks/mlp.h"
#include "model/config.h"
#include "model/weights.h"

namespace r1 {

struct Routing {
  std::vector<int32_t> experts;  // [T, K] chosen expert ids
  std::vector<float> weights;    // [T, K] their gate weights (normalised / scaled per config)
  std::vector<float> scores;     // [T, E] unbiased affinities: sigmoid (V3) / softmax (V2) of x W^T
};

// x: [T, D] -> the K experts of every token and their weights. The scores are f32 products
// whatever the compute type (DeepSeek-V3 keeps the gating in full precision).
Routing moe_route(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T);

// What the backward and the balance loss read, kept by a forward given a tape. The T * K (token,
// slot) pairs are packed by expert, expert e owning packed rows first[e] .. first[e + 1] - 1 in
// token order.
struct MoeTape {
  Routing routing;
  std::vector<int64_t> first;    // [E + 1] first packed row of each expert
  std::vector<int64_t> slot;     // [T * K] packed row -> its slot t * K + k
  Tensor expert_in;              // [T * K, D] packed expert inputs (rows of x)
  Tensor expert_out;             // [T * K, D] packed expert outputs, before the gate weight
  std::vector<MlpTape> experts;  // [E]
  MlpTape shared;                // shared experts (when w.has_shared)
  std::vector<int64_t> load;     // [E] tokens routed to each expert in these T rows
};

// x: [T, D] (the normalised block input) -> y: [T, D] (overwritten):
//   y[t] = sum over k in order of weights[t, k] expert_{experts[t, k]}(x[t]), + shared(x[t]).
// Without a tape a few rows (decode) run every chosen expert as one set of GEMV products, more
// rows run the experts in parallel; the sums are the same either way.
void moe_forward(const ModelConfig& c, const MoeWeights& w, const float* x, int64_t T, float* y,
                 ComputeType compute, MoeTape* tape = nullptr);

// Gradients of y given dy [T, D], ADDED into grads (router, experts, shared; score_bias is never
// touched) and dx [T, D]. dscores: [T, E] an extra gradient with respect to the routing scores
// (the balance loss's, from moe_balance_loss) or nullptr. Gradients reach the router through the
// chosen experts' weights (normalisation and scaling included) and through dscores.
void moe_backward(const ModelConfig& c, const MoeWeights& w, const float* x, const MoeTape& tape,
                  const float* dy, int64_t T, const float* dscores, const MoeWeights& grads,
                  float* dx, ComputeType compute);

// Sequence-wise balance loss over the sequences `spans` of the T rows (row0, rows; the other
// fields are not read): per sequence of n tokens,
//   f_i = E / (K n) * #tokens of the sequence routed to i,
//   P_i = 1/n sum_t s_i,t / sum_j s_j,t   (unbiased affinities normalised per token),
//   L_seq = sum_i f_i P_i;
// returns alpha * mean over the sequences of L_seq and ADDS its gradient with respect to the
// routing scores into dscores [T, E] (through P only: f is a count). Pass dscores on to
// moe_backward.
double moe_balance_loss(const ModelConfig& c, const MoeTape& tape, const SeqSpans& spans,
                        double alpha, float* dscores);

}  // namespace r1
