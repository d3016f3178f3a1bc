// run_training: per step, zero the gradients, run the micro-batches through model_train_step,
// clip, log (the loss is the one before this step's update), apply AdamW and the expert-bias
// rule, and save every save_every steps.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "core/progress.h"
#include "model/param_layout.h"
#include "model/train_flops.h"
#include "model/weights.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/expert_bias.h"
#include "train/grad_clip.h"
#include "train/lr_schedule.h"
#include "train/metrics.h"
#include "train/run_output.h"
#include "train/sgemm_peak.h"

namespace r1 {

namespace {

struct Run {
  ModelConfig config;
  Tensor params, grads;  // [layout.total()] each
  AdamWState adamw;
};

Run start_run(const TrainerOptions& o, TrainerState& state) {
  Run r;
  if (o.resume) {
    LoadedCheckpoint ck = load_checkpoint(o.out);
    r.config = ck.config;
    r.params = std::move(ck.params);
    r.adamw = std::move(ck.optimizer);
    state.step = ck.state.step;
  } else {
    const ModelDir model = ModelDir::open(o.model);
    r.config = model.config();
    const ParamLayout layout(r.config);
    r.params = make_param_buffer(layout);
    model.load_params(layout, r.params.f32());
    r.adamw = make_adamw_state(layout);
    state.step = 0;
  }
  r.grads = Tensor::zeros(DType::F32, r.params.shape);
  return r;
}

// Counted predictions of a micro-batch (mask nonzero; all B * T without a mask).
int64_t counted_tokens(const TrainBatch& b) {
  if (b.mask.empty()) return b.B * b.T;
  return int64_t(std::count_if(b.mask.begin(), b.mask.end(), [](uint8_t m) { return m != 0; }));
}

// max / mean load per MoE layer: 1 is perfectly balanced.
Json expert_balance(const std::vector<std::vector<int64_t>>& load) {
  Json out = Json::array();
  for (const auto& layer : load) {
    int64_t sum = 0, most = 0;
    for (int64_t v : layer) sum += v, most = std::max(most, v);
    out.push_back(sum > 0 ? double(most) * double(layer.size()) / double(sum) : 0.0);
  }
  return out;
}

}  // namespace

TrainerSummary run_training(const TrainerOptions& o, TrainerState state, const BatchFiller& fill) {
  // Beside the checkpoint, not in it: every save replaces the checkpoint directory whole.
  const std::string metrics_path = prepare_metrics_path(o.out, o.metrics);
  check_run_output(o.out, metrics_path, output_mode(o.resume, o.overwrite));
  Run run = start_run(o, state);
  if (!o.resume) remove_old_checkpoint(o.out);
  const ModelConfig& c = run.config;
  const ParamLayout layout(c);
  const ModelWeights params = weights_view(c, layout, run.params.f32(), "parameters");
  const ModelWeights grads = weights_view(c, layout, run.grads.f32(), "gradients");
  const BatchSpec& spec = state.data;
  MetricsWriter metrics = o.resume ? MetricsWriter::resume(metrics_path, state.step - 1)
                                   : MetricsWriter::create(metrics_path);
  const double flops_per_token =
      train_flops_per_token(c, spec.seq_len, o.mtp_lambda != 0.0).total();
  TrainerSummary summary;
  summary.sgemm_gflops = measure_sgemm_gflops();
  summary.bf16_gemm_gflops = measure_bf16_gemm_gflops();
  const double peak_flops = summary.sgemm_gflops * 1e9;
  const std::string tokenizer_source = o.resume ? o.out : o.model;
  auto save = [&](int64_t next_step) {  // the checkpoint holds the next step to run
    TrainerState saved = state;
    saved.step = next_step;
    save_checkpoint(o.out, {&c, &layout, run.params.f32(), &run.adamw, &saved, tokenizer_source});
  };

  summary.first_step = state.step;
  const int64_t end = o.stop_at > 0 ? std::min(o.stop_at, o.steps) : o.steps;
  Progress progress("training", end - state.step, "steps", 1.0, o.progress);
  std::vector<TrainBatch> micro(static_cast<size_t>(spec.grad_accum));
  double tokens_total = 0.0, seconds_total = 0.0;
  const double A = double(spec.grad_accum);
  op_profile_enable(o.profile);
  for (; state.step < end; ++state.step) {
    const auto t0 = std::chrono::steady_clock::now();
    std::fill_n(run.grads.f32(), layout.total(), 0.0f);
    int64_t loss_tokens = 0;
    for (int64_t m = 0; m < spec.grad_accum; ++m) {
      TrainBatch& b = micro[size_t(m)];
      b.B = spec.batch;
      b.T = spec.seq_len;
      fill(state.step, m, b);
      loss_tokens += counted_tokens(b);
    }
    // Micro-batch losses: the main loss is normalised by the step's tokens (so the parts add
    // up); the MTP and balance terms are per-batch means, averaged over the micro-batches.
    TrainLossOptions opts;
    opts.mtp_lambda = o.mtp_lambda / A;
    opts.aux_alpha = o.aux_alpha / A;
    opts.loss_tokens = std::max<int64_t>(1, loss_tokens);
    opts.recompute = o.recompute;
    opts.compute = state.compute;
    TrainStepResult step;
    for (const TrainBatch& b : micro) {
      const TrainStepResult r = model_train_step(c, params, grads, b, opts);
      step.loss += r.loss;
      step.mtp_loss += r.mtp_loss / A;
      step.aux_loss += r.aux_loss / A;
      step.tokens += r.tokens;
      add_expert_load(step.expert_load, r.expert_load);
    }
    if (!std::isfinite(step.loss))
      throw Error("step " + std::to_string(state.step) + ": the loss is " +
                  std::to_string(step.loss) + "; lower --lr or set --clip");
    const double lr = lr_at(state.schedule, state.step);
    double grad_norm = 0.0;
    {
      const ProfileScope profile(ProfileOp::Optimizer);
      grad_norm = clip_grad_norm(layout.entries(), run.grads.f32(), state.clip);
      adamw_step(layout.entries(), state.adamw, lr, run.adamw, run.params.f32(), run.grads.f32());
      if (o.bias_update_gamma != 0.0)
        update_expert_biases(params, step.expert_load, c.n_routed_experts,
                             float(o.bias_update_gamma));
    }

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double tokens = double(spec.batch * spec.seq_len * spec.grad_accum);
    tokens_total += tokens;
    seconds_total += seconds;
    Json record = {{"step", state.step},
                   {"loss", step.loss},
                   {"lr", lr},
                   {"grad_norm", grad_norm},
                   {"tokens", step.tokens},
                   {"tokens_per_s", tokens / seconds},
                   {"step_s", seconds},
                   {"mfu", flops_per_token * tokens / seconds / peak_flops}};
    if (o.mtp_lambda != 0.0) record["mtp_loss"] = step.mtp_loss;
    if (!step.expert_load.empty()) {
      record["aux_loss"] = step.aux_loss;
      record["expert_balance"] = expert_balance(step.expert_load);
      record["expert_load"] = step.expert_load;
    }
    metrics.write(record);
    summary.last_loss = step.loss;
    progress.update(state.step + 1 - summary.first_step);
    const bool last = state.step + 1 == end;
    if (last || (o.save_every > 0 && (state.step + 1) % o.save_every == 0)) save(state.step + 1);
  }
  progress.finish();
  summary.profile = op_profile_totals();
  op_profile_enable(false);
  summary.step_seconds = seconds_total;
  summary.last_step = state.step;
  summary.tokens_per_s = seconds_total > 0 ? tokens_total / seconds_total : 0.0;
  return summary;
}

}  // namespace r1
