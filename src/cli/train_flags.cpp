// Training flags and run settings shared by the training commands.
#include "cli/train_flags.h"

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "io/json_file.h"
#include "train/batch_order.h"
#include "train/checkpoint.h"
#include "train/metrics.h"
#include "train/profile_table.h"
#include "train/run_output.h"

namespace r1::cli {

void add_train_flags(CLI::App* cmd, TrainArgs& a, const std::string& seed_flag) {
  TrainerOptions& r = a.run;
  TrainerState& s = a.state;
  s.clip = 1.0;
  s.schedule.lr = 3e-4;
  s.data.batch = 8;
  s.data.seq_len = 256;
  cmd->add_option("--steps", r.steps, "optimizer steps in total")->required();
  cmd->add_option("--seq-len", s.data.seq_len, "tokens per row T (default 256)");
  cmd->add_option("--batch", s.data.batch, "rows per micro-batch B (default 8)");
  cmd->add_option("--grad-accum", s.data.grad_accum, "micro-batches per step (default 1)");
  cmd->add_option("--lr", s.schedule.lr, "peak learning rate (default 3e-4)");
  cmd->add_option("--warmup", s.schedule.warmup_steps, "linear warmup steps (default 0)");
  cmd->add_option("--schedule", a.schedule, "constant | cosine (default cosine, to 0.1 lr)");
  cmd->add_option("--min-lr-ratio", s.schedule.min_lr_ratio, "cosine floor as a fraction of lr");
  cmd->add_option("--clip", s.clip, "max global gradient norm, 0 = off (default 1)");
  cmd->add_option("--wd", s.adamw.weight_decay,
                  "AdamW weight decay (default 0.1; not on norms, biases)");
  cmd->add_option("--beta1", s.adamw.beta1, "AdamW beta1 (default 0.9)");
  cmd->add_option("--beta2", s.adamw.beta2, "AdamW beta2 (default 0.95)");
  cmd->add_option("--eps", s.adamw.eps, "AdamW eps (default 1e-8)");
  cmd->add_option(seed_flag, s.data.seed, "data order seed (default 0)");
  cmd->add_option("--data-order", a.data_order,
                  "random | sequential | documents (pretrain: each row starts at a document "
                  "start; default random)");
  cmd->add_option("--mtp-lambda", r.mtp_lambda, "weight of the MTP loss (DeepSeek-V3: 0.3)");
  cmd->add_option("--aux-alpha", r.aux_alpha,
                  "weight of the sequence-wise balance loss (V3: 1e-4)");
  cmd->add_option("--bias-update-gamma", r.bias_update_gamma,
                  "expert-bias update speed, aux-loss-free balancing (V3: 1e-3)");
  cmd->add_option("--save-every", r.save_every, "save every N steps (default: at the end)");
  cmd->add_option("--stop-at", r.stop_at,
                  "stop (and save) after this many steps; --resume continues the same schedule");
  cmd->add_flag("--resume", r.resume,
                "continue the run in --out (its checkpoint; the metrics are appended to)");
  cmd->add_flag("--overwrite", r.overwrite,
                "start over although --out or --metrics holds a run (replacing it); without "
                "--resume or --overwrite an existing run is refused");
  cmd->add_flag("--recompute", r.recompute,
                "keep one layer's activations at a time, recomputing the forward in the backward");
  cmd->add_option("--compute", a.compute,
                  "f32 | bf16: the dense matmuls' operands (bf16: f32 accumulation, f32 master "
                  "weights, attention and losses; default f32)");
  cmd->add_flag("--profile", r.profile,
                "print per-op time (matmuls forward/dX/dW, attention, head+loss, optimizer) at "
                "the end");
  cmd->add_option("--metrics", r.metrics,
                  "metrics JSONL (default OUT.metrics.jsonl, beside the checkpoint)");
}

void settle_state(const CLI::App& cmd, TrainArgs& a, bool resumable) {
  a.state.data.order = parse_batch_order(a.data_order);
  a.state.schedule.decay = parse_lr_decay(a.schedule);
  a.state.compute = parse_compute_type(a.compute);
  a.state.schedule.total_steps = a.run.steps;
  if (a.state.data.batch < 1 || a.state.data.seq_len < 2 || a.state.data.grad_accum < 1)
    throw UsageError("--batch and --grad-accum must be >= 1 and --seq-len >= 2");
  if (a.run.steps < 1) throw UsageError("--steps must be >= 1");
  if (!a.run.resume) {
    if (a.run.model.empty()) throw UsageError(a.model_flag + " is required unless --resume");
    namespace fs = std::filesystem;
    if (fs::exists(a.run.out) && fs::exists(a.run.model) && fs::equivalent(a.run.out, a.run.model))
      throw UsageError("--out " + a.run.out + " is the " + a.model_flag +
                       " directory: a checkpoint would replace it; choose another --out");
  }
  check_run_output(a.run.out, prepare_metrics_path(a.run.out, a.run.metrics),
                   output_mode(a.run.resume, a.run.overwrite), resumable);
  if (!a.run.resume) return;
  const std::string path =
      (std::filesystem::path(checkpoint_dir_to_load(a.run.out)) / "trainer_state.json").string();
  const TrainerState saved = trainer_state_from_json(read_json_file(path), path);
  struct Check {
    const char* flag;
    bool same;
  };
  const TrainerState& g = a.state;
  const Check checks[] = {
      {"--batch", g.data.batch == saved.data.batch},
      {"--seq-len", g.data.seq_len == saved.data.seq_len},
      {"--grad-accum", g.data.grad_accum == saved.data.grad_accum},
      {"--data-order", g.data.order == saved.data.order},
      {"--seed", g.data.seed == saved.data.seed},
      {"--lr", g.schedule.lr == saved.schedule.lr},
      {"--warmup", g.schedule.warmup_steps == saved.schedule.warmup_steps},
      {"--schedule", g.schedule.decay == saved.schedule.decay},
      {"--min-lr-ratio", g.schedule.min_lr_ratio == saved.schedule.min_lr_ratio},
      {"--clip", g.clip == saved.clip},
      {"--compute", g.compute == saved.compute},
      {"--wd", g.adamw.weight_decay == saved.adamw.weight_decay},
      {"--beta1", g.adamw.beta1 == saved.adamw.beta1},
      {"--beta2", g.adamw.beta2 == saved.adamw.beta2},
      {"--eps", g.adamw.eps == saved.adamw.eps},
  };
  for (const Check& c : checks)
    if (cmd.count(c.flag) > 0 && !c.same)
      throw UsageError(std::string(c.flag) + " differs from the run being resumed (" + path +
                       "); leave it out or start a new --out");
  a.state = saved;
  if (a.state.step >= a.run.steps)
    throw UsageError(path + ": already at step " + std::to_string(a.state.step) +
                     ", nothing to do for --steps " + std::to_string(a.run.steps));
}

void report_training(const TrainArgs& a, const TrainerSummary& s) {
  char bf16_peak[64] = "";
  if (s.bf16_gemm_gflops > 0.0)
    std::snprintf(bf16_peak, sizeof bf16_peak, "; bf16 GEMM peak %.0f GFLOP/s", s.bf16_gemm_gflops);
  std::printf(
      "trained steps %lld..%lld (compute %s): last loss %.4f, %.0f tokens/s (MFU against "
      "%.0f GFLOP/s sgemm%s); checkpoint %s\n",
      (long long)s.first_step, (long long)s.last_step - 1, compute_type_name(a.state.compute),
      s.last_loss, s.tokens_per_s, s.sgemm_gflops, bf16_peak, a.run.out.c_str());
  if (a.run.profile)
    std::fputs(format_profile_table({s.profile, s.step_seconds, s.last_step - s.first_step,
                                     a.state.compute, s.sgemm_gflops, s.bf16_gemm_gflops})
                   .c_str(),
               stdout);
}

}  // namespace r1::cli
