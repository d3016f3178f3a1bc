// The learner half of GRPO: scored rollouts and their advantages in, mu AdamW updates of the
// clipped, KL-regularised objective out, over length-sorted micro-batches whose parts add up to
// the step's loss and gradient.
#pragma once

#include <cstdint>
#include <vector>

#include "comm/comm.h"
#include "core/tensor.h"
#include "kernels/cpu/matmul.h"
#include "model/config.h"
#include "rl/grpo_loss.h"
#include "rl/rollout.h"
#include "train/adamw.h"

namespace r1::rl {

// The policy being trained: parameters, gradients, the frozen KL reference and AdamW moments,
// all in the ParamLayout of `config`.
struct PolicyState {
  ModelConfig config;
  Tensor params, grads, ref;  // [layout.total()] each; ref empty when beta == 0
  AdamWState adamw;
};

struct UpdateSettings {
  GrpoLossOptions loss;
  int64_t mu = 1;            // optimizer updates per rollout batch
  int64_t micro_batch = 16;  // sequences per forward/backward
  AdamWConfig adamw;
  double clip = 1.0;                       // max gradient norm (0: off)
  double bias_update_gamma = 0.0;          // DeepSeek-V3 expert-bias update after each update
  ComputeType compute = ComputeType::F32;  // the dense matmuls' operands (--compute)
  // The rollouts were sampled at this temperature: old-policy, current and reference
  // log-probabilities are all of log_softmax(logits / temperature) (--temperature).
  float temperature = 1.0f;
};

struct UpdateResult {
  double loss = 0.0, grad_norm = 0.0;             // of the last update
  GrpoStats stats;                                // over all mu updates
  std::vector<std::vector<int64_t>> expert_load;  // [MoE layer][E] of the last update
  int64_t tokens = 0;                             // tokens through forward/backward
};

// mu updates at learning rate lr. advantages: [rollouts.size()], one per rollout. The rollout
// policy is the current parameters (logp_old comes from them before the first update; with
// mu == 1 no extra forward is needed; GSPO's sequence ratios take one more forward per
// micro-batch in each inner update after the first). Across ranks each passes its rollouts: the
// objective is normalised over all ranks' rollouts, the gradients, loss, statistics and expert
// loads are summed over the ranks, and every rank takes the same update.
UpdateResult grpo_update(Comm& comm, PolicyState& policy, const std::vector<Rollout>& rollouts,
                         const std::vector<double>& advantages, const UpdateSettings& settings,
                         double lr);

}  // namespace r1::rl
