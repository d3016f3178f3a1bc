// The training loop shared by `r1 pretrain` and `r1 sft`: micro-batches with gradient
// accumulation, one model_train_step each, global-norm clipping, AdamW on the scheduled rate,
// the auxiliary-loss-free expert-bias update, metrics JSONL, a progress bar, checkpoints that
// resume bit-identically, and optionally the per-op profile of the steps. Data parallel over the
// ranks of a Comm: each rank runs its rows of every micro-batch, one all-reduce of the gradient
// buffer per step, rank 0 writes metrics and checkpoints.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "comm/comm.h"
#include "core/op_profile.h"
#include "model/transformer.h"
#include "train/trainer_state.h"

namespace r1 {

// Fills micro-batch `micro` of step `step` (batch.B, batch.T set by the trainer; tokens and,
// for SFT, mask written by the source).
using BatchFiller = std::function<void(int64_t step, int64_t micro, TrainBatch& batch)>;

struct TrainerOptions {
  std::string model;       // the initial checkpoint (a model directory)
  std::string out;         // checkpoints go here (DIR, atomically replaced)
  std::string metrics;     // JSONL path; "" = DIR.metrics.jsonl (beside the checkpoint)
  int64_t steps = 0;       // total optimizer steps (the schedule's length)
  int64_t stop_at = 0;     // > 0: this invocation stops (and saves) after this step count
  int64_t save_every = 0;  // 0: only at the end
  bool resume = false;     // continue from the checkpoint in `out`
  bool overwrite = false;  // start over even though `out` or the metrics hold a run
  double mtp_lambda = 0.0;
  double aux_alpha = 0.0;
  double bias_update_gamma = 0.0;
  bool recompute = false;  // activation recomputation (TrainLossOptions::recompute)
  bool profile = false;    // per-op timing of the steps (TrainerSummary::profile)
  bool progress = true;
};

struct TrainerSummary {
  int64_t first_step = 0, last_step = 0;  // steps run: [first_step, last_step)
  double last_loss = 0.0;
  double tokens_per_s = 0.0;
  double sgemm_gflops = 0.0;        // the peak MFU is measured against
  double bf16_gemm_gflops = 0.0;    // gemm_bf16's peak: with --compute bf16 or profile, else 0
  double step_seconds = 0.0;        // wall time of the steps run
  double comm_seconds = 0.0;        // of which waiting for the gradient all-reduce
  int64_t comm_bytes_per_step = 0;  // bytes each rank all-reduces per step (0 alone)
  OpProfileTotals profile;          // with TrainerOptions::profile: the steps' per-op totals
};

// Runs steps state.step .. opts.steps - 1 and saves the final checkpoint into opts.out.
// `state`: the data spec, schedule, AdamW and clipping settings, the compute type. A new run
// starts from opts.model at step 0; with opts.resume the parameters, moments and step come from
// the checkpoint in opts.out (the caller takes `state` from its trainer_state.json). A run in
// opts.out or the metrics file is replaced only with opts.overwrite (check_run_output).
// Across ranks every rank passes the same options and state and reads the same model, data and
// (resuming) checkpoint paths; the micro-batch's rows are split in rank order (rank r of N runs
// rows [B r / N, B (r + 1) / N)), so the step is the one a single process takes on the same
// global batch, up to the order of float sums. A batch with fewer rows than ranks, or ranks that
// loaded different parameters, is an error.
TrainerSummary run_training(Comm& comm, const TrainerOptions& opts, TrainerState state,
                            const BatchFiller& fill);

}  // namespace r1
