// run_training: per step, zero the gradients, run this rank's rows of the micro-batches through
// model_train_step, all-reduce, clip, log (the loss is the one before this step's update), apply
// AdamW and the expert-bias rule, and save every save_every steps.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "core/progress.h"
#include "model/param_layout.h"
#include "model/train_flops.h"
#include "model/weights.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/data_parallel.h"
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

// Rows [range.begin, range.end) of b.
TrainBatch take_rows(const TrainBatch& b, RankShare range) {
  TrainBatch out;
  out.B = range.end - range.begin;
  out.T = b.T;
  out.tokens.assign(b.tokens.begin() + range.begin * (b.T + 1),
                    b.tokens.begin() + range.end * (b.T + 1));
  if (!b.mask.empty())
    out.mask.assign(b.mask.begin() + range.begin * b.T, b.mask.begin() + range.end * b.T);
  return out;
}

// Sums the step's scalars and expert loads over the ranks.
void all_reduce_step(Comm& comm, TrainStepResult& step) {
  double scalars[4] = {step.loss, step.mtp_loss, step.aux_loss, double(step.tokens)};
  comm.all_reduce_sum(scalars, 4);
  step.loss = scalars[0];
  step.mtp_loss = scalars[1];
  step.aux_loss = scalars[2];
  step.tokens = int64_t(scalars[3]);
  for (std::vector<int64_t>& layer : step.expert_load)
    comm.all_reduce_sum(layer.data(), int64_t(layer.size()));
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

TrainerSummary run_training(Comm& comm, const TrainerOptions& o, TrainerState state,
                            const BatchFiller& fill) {
  const bool root = comm.is_root();
  const BatchSpec& spec = state.data;
  if (spec.batch < comm.size())
    throw UsageError("--batch " + std::to_string(spec.batch) + " gives " +
                     std::to_string(comm.size()) +
                     " ranks fewer rows than ranks; use --batch >= " + std::to_string(comm.size()));
  const RankShare mine = share_of(spec.batch, comm);
  // Beside the checkpoint, not in it: every save replaces the checkpoint directory whole.
  const std::string metrics_path = root ? prepare_metrics_path(o.out, o.metrics) : "";
  if (root) check_run_output(o.out, metrics_path, output_mode(o.resume, o.overwrite));
  Run run = start_run(o, state);
  check_ranks_start_alike(comm, run.config, run.params);
  if (root && !o.resume) remove_old_checkpoint(o.out);
  const ModelConfig& c = run.config;
  const ParamLayout layout(c);
  const ModelWeights params = weights_view(c, layout, run.params.f32(), "parameters");
  const ModelWeights grads = weights_view(c, layout, run.grads.f32(), "gradients");
  std::optional<MetricsWriter> metrics;
  if (root)
    metrics.emplace(o.resume ? MetricsWriter::resume(metrics_path, state.step - 1)
                             : MetricsWriter::create(metrics_path));
  if (comm.size() > 1)
    std::fprintf(stderr, "r1: %s: data parallel, rows %lld..%lld of each %lld-row micro-batch\n",
                 comm.name_of(comm.rank()).c_str(), (long long)mine.begin, (long long)mine.end - 1,
                 (long long)spec.batch);
  const double flops_per_token =
      train_flops_per_token(c, spec.seq_len, o.mtp_lambda != 0.0).total();
  TrainerSummary summary;
  if (root) {  // the others wait for it at the first all-reduce, leaving it the cores
    summary.sgemm_gflops = measure_sgemm_gflops();
    if (state.compute == ComputeType::BF16 || o.profile)  // seconds where bf16 is emulated
      summary.bf16_gemm_gflops = measure_bf16_gemm_gflops();
  }
  const double peak_flops = summary.sgemm_gflops * 1e9;
  const std::string tokenizer_source = o.resume ? o.out : o.model;
  auto save = [&](int64_t next_step) {  // the checkpoint holds the next step to run
    TrainerState saved = state;
    saved.step = next_step;
    save_checkpoint(o.out, {&c, &layout, run.params.f32(), &run.adamw, &saved, tokenizer_source});
  };

  summary.first_step = state.step;
  const int64_t end = o.stop_at > 0 ? std::min(o.stop_at, o.steps) : o.steps;
  Progress progress("training", end - state.step, "steps", 1.0, o.progress && root);
  std::vector<TrainBatch> micro(static_cast<size_t>(spec.grad_accum));
  std::vector<int64_t> mtp_tokens(static_cast<size_t>(spec.grad_accum));
  double tokens_total = 0.0, seconds_total = 0.0;
  const double A = double(spec.grad_accum);
  // This rank's share of each micro-batch's sequences: the per-sequence balance loss is a mean
  // over the micro-batch, so each rank weighs its sequences' mean by it.
  const double share = double(mine.end - mine.begin) / double(spec.batch);
  summary.comm_bytes_per_step = comm.size() > 1 ? int64_t(run.grads.nbytes()) : 0;
  op_profile_enable(o.profile);
  for (; state.step < end; ++state.step) {
    const auto t0 = std::chrono::steady_clock::now();
    std::fill_n(run.grads.f32(), layout.total(), 0.0f);
    int64_t loss_tokens = 0;
    for (int64_t m = 0; m < spec.grad_accum; ++m) {
      TrainBatch whole;
      whole.B = spec.batch;
      whole.T = spec.seq_len;
      fill(state.step, m, whole);
      loss_tokens += counted_tokens(whole);
      mtp_tokens[size_t(m)] = mtp_counted_predictions(whole);
      micro[size_t(m)] = comm.size() > 1 ? take_rows(whole, mine) : std::move(whole);
    }
    // Micro-batch losses: the main loss is normalised by the step's tokens (so the parts add
    // up); the MTP and balance terms are per-batch means, averaged over the micro-batches.
    TrainLossOptions opts;
    opts.mtp_lambda = o.mtp_lambda / A;
    opts.aux_alpha = o.aux_alpha / A * share;
    opts.loss_tokens = std::max<int64_t>(1, loss_tokens);
    opts.recompute = o.recompute;
    opts.compute = state.compute;
    TrainStepResult step;
    for (size_t m = 0; m < micro.size(); ++m) {
      opts.mtp_tokens = mtp_tokens[m];
      const TrainStepResult r = model_train_step(c, params, grads, micro[m], opts);
      step.loss += r.loss;
      step.mtp_loss += r.mtp_loss / A;
      step.aux_loss += r.aux_loss / A * share;
      step.tokens += r.tokens;
      add_expert_load(step.expert_load, r.expert_load);
    }
    double comm_seconds = 0.0;
    if (comm.size() > 1) {
      const auto c0 = std::chrono::steady_clock::now();
      comm.all_reduce_sum(run.grads.f32(), layout.total());
      all_reduce_step(comm, step);
      comm_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
      summary.comm_seconds += comm_seconds;
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
                   {"mfu", peak_flops > 0 ? flops_per_token * tokens / seconds / peak_flops : 0.0}};
    if (o.mtp_lambda != 0.0) record["mtp_loss"] = step.mtp_loss;
    if (!step.expert_load.empty()) {
      record["aux_loss"] = step.aux_loss;
      record["expert_balance"] = expert_balance(step.expert_load);
      record["expert_load"] = step.expert_load;
    }
    if (comm.size() > 1) {
      record["ranks"] = comm.size();
      record["comm_s"] = comm_seconds;
      record["comm_bytes"] = summary.comm_bytes_per_step;
    }
    if (metrics) metrics->write(record);
    summary.last_loss = step.loss;
    progress.update(state.step + 1 - summary.first_step);
    const bool last = state.step + 1 == end;
    if (root && (last || (o.save_every > 0 && (state.step + 1) % o.save_every == 0)))
      save(state.step + 1);
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
