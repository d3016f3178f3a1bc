// GRPO (DeepSeekMath / DeepSeek-R1) and its variants on one machine: each step samples G
// completions of a batch of prompts from the current policy, scores them with the task's
// rule-based rewards, turns rewards into group-relative advantages and takes mu AdamW updates
// of the clipped, KL-regularised objective. Metrics JSONL per step, progress bar, checkpoints
// that resume bit-identically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "comm/comm.h"
#include "rl/advantage.h"
#include "rl/evaluate.h"
#include "rl/grpo_update.h"
#include "rl/reward.h"
#include "rl/rollout_tools.h"
#include "rl/task.h"
#include "train/lr_schedule.h"

namespace r1::rl {

struct GrpoConfig {
  std::string model;    // the initial policy (a checkpoint directory with a tokenizer)
  std::string out;      // the trained policy is saved here (HF layout + optimizer state)
  std::string metrics;  // JSONL; "" = OUT.metrics.jsonl

  const Task* task = nullptr;
  std::vector<Problem> problems;  // the training problems, visited in a seeded shuffle
  TemplateKind prompt_template = TemplateKind::R1Zero;
  RewardConfig reward;
  // Tools the rollouts may call (rl/tool_rollout.h): outputs are spliced in and masked out of
  // the loss, the reward reads only the model's final answer. None: plain text rollouts.
  RolloutTools tools;

  int64_t steps = 50;
  int64_t prompts_per_step = 16;  // groups per step
  int64_t group_size = 8;         // G
  int64_t max_tokens = 128;       // per completion; sampled at update.temperature with no
                                  // top-p/k, so the sampling policy is the one the ratio is
                                  // taken to (log-probabilities of logits / temperature)

  AdvantageOptions advantage;
  // DAPO: the step's batch takes only groups whose rewards are not all equal, sampling rounds of
  // prompts_per_step fresh groups until it holds prompts_per_step of them or max_sampling_rounds
  // rounds are done (rl/dynamic_sampling.h).
  bool dynamic_sampling = false;
  int64_t max_sampling_rounds = 3;
  int64_t ref_update_every = 0;   // refresh the KL reference every N steps (0: never)

  // Held-out evaluation during training (the accuracy-vs-step curve of R1-Zero): before step 0,
  // every eval_every steps and after the last, logged as eval_pass@1 etc. 0: off.
  int64_t eval_every = 0;
  std::vector<Problem> eval_problems;
  EvalOptions eval;
  UpdateSettings update;  // objective, importance level, temperature, mu, micro-batches, AdamW
  LrSchedule schedule;

  uint64_t seed = 0;
  int64_t save_every = 0;  // 0: only at the end
  int64_t stop_at = 0;     // > 0: this invocation stops (and saves) after this step count
  bool resume = false;     // continue the run in `out` bit-identically (rl/grpo_checkpoint.h)
  bool overwrite = false;  // start over although `out` or the metrics hold a run
  bool progress = true;
};

struct GrpoSummary {
  int64_t first_step = 0;  // this invocation ran steps first_step .. first_step + steps - 1
  int64_t steps = 0;
  double first_accuracy = 0.0, last_accuracy = 0.0;  // rollout accuracy of the first/last step
  double first_eval = -1.0, last_eval = -1.0;        // held-out pass@1 (-1: not evaluated)
  double generation_seconds = 0.0, training_seconds = 0.0;
  int64_t generated_tokens = 0;
};

// Runs GRPO steps 0 .. config.steps - 1 from config.model (or, with config.resume, from the
// checkpoint in config.out on), stopping early at config.stop_at, and saves the policy into
// config.out. A run already in config.out or the metrics file is replaced only with
// config.overwrite. UsageError for inconsistent settings (naming the flag), errors of the model
// and task loaders as they are. Data parallel over the ranks of `comm`: each rank samples and
// scores its share of each step's groups (a group never spans ranks; its seeds are the ones one
// process gives it), the gradients are all-reduced, the metrics summed over the ranks, and rank 0
// writes metrics and checkpoints; every rank reads the same model and (resuming) checkpoint.
GrpoSummary run_grpo(Comm& comm, const GrpoConfig& config);

}  // namespace r1::rl
