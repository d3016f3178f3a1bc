// `r1 pretrain` and `r1 sft`: the training loop (train/trainer.h) on a token file or on chat
// conversations with the loss on the assistant tokens only. The two commands share every flag
// but --data's meaning.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/sampling_flags.h"
#include "core/error.h"
#include "io/json_file.h"
#include "model/config.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "train/batch_order.h"
#include "train/profile_table.h"
#include "train/sft_data.h"
#include "train/token_file.h"
#include "train/trainer.h"

namespace r1::cli {

namespace {

struct TrainArgs {
  TrainerOptions run;
  TrainerState state;
  std::string data, data_order = "random", schedule = "cosine", compute = "f32";
  int threads = 0;
  bool quiet = false;
};

// The flags both commands take; `app` counts which were given (for --resume checks).
void add_train_flags(CLI::App* cmd, TrainArgs& a) {
  TrainerOptions& r = a.run;
  TrainerState& s = a.state;
  s.clip = 1.0;
  s.schedule.lr = 3e-4;
  s.data.batch = 8;
  s.data.seq_len = 256;
  cmd->add_option("--model", r.model, "initial checkpoint directory (e.g. from `r1 init`)");
  cmd->add_option("--data", a.data, "training data (see the command's description)")->required();
  cmd->add_option("--out", r.out, "checkpoint directory (written atomically)")->required();
  cmd->add_option("--steps", r.steps, "optimizer steps in total")->required();
  cmd->add_option("--seq-len", s.data.seq_len, "tokens per row T (default 256)");
  cmd->add_option("--batch", s.data.batch, "rows per micro-batch B (default 8)");
  cmd->add_option("--grad-accum", s.data.grad_accum, "micro-batches per step (default 1)");
  cmd->add_option("--lr", s.schedule.lr, "peak learning rate (default 3e-4)");
  cmd->add_option("--warmup", s.schedule.warmup_steps, "linear warmup steps (default 0)");
  cmd->add_option("--schedule", a.schedule, "constant | cosine (default cosine, to 0.1 lr)");
  cmd->add_option("--min-lr-ratio", s.schedule.min_lr_ratio, "cosine floor as a fraction of lr");
  cmd->add_option("--clip", s.clip, "max global gradient norm, 0 = off (default 1)");
  cmd->add_option("--wd", s.adamw.weight_decay, "AdamW weight decay (default 0.1; not on norms, biases)");
  cmd->add_option("--beta1", s.adamw.beta1, "AdamW beta1 (default 0.9)");
  cmd->add_option("--beta2", s.adamw.beta2, "AdamW beta2 (default 0.95)");
  cmd->add_option("--eps", s.adamw.eps, "AdamW eps (default 1e-8)");
  cmd->add_option("--seed", s.data.seed, "data order seed (default 0)");
  cmd->add_option("--data-order", a.data_order, "random | sequential (default random)");
  cmd->add_option("--mtp-lambda", r.mtp_lambda, "weight of the MTP loss (DeepSeek-V3: 0.3)");
  cmd->add_option("--aux-alpha", r.aux_alpha, "weight of the sequence-wise balance loss (V3: 1e-4)");
  cmd->add_option("--bias-update-gamma", r.bias_update_gamma,
                  "expert-bias update speed, aux-loss-free balancing (V3: 1e-3)");
  cmd->add_option("--save-every", r.save_every, "save every N steps (default: at the end)");
  cmd->add_option("--stop-at", r.stop_at,
                  "stop (and save) after this many steps; --resume continues the same schedule");
  cmd->add_flag("--resume", r.resume, "continue from the checkpoint in --out");
  cmd->add_flag("--recompute", r.recompute,
                "keep one layer's activations at a time, recomputing the forward in the backward");
  cmd->add_option("--compute", a.compute,
                  "f32 | bf16: the dense matmuls' operands (bf16: f32 accumulation, f32 master "
                  "weights, attention and losses; default f32)");
  cmd->add_flag("--profile", r.profile,
                "print per-op time (matmuls forward/dX/dW, attention, head+loss, optimizer) at "
                "the end");
  cmd->add_option("--metrics", r.metrics, "metrics JSONL (default OUT.metrics.jsonl, beside the checkpoint)");
  cmd->add_flag("-q,--quiet", a.quiet, "no progress bar");
  add_threads_flag(cmd, a.threads);
}

// Settings of a new run from the flags; with --resume they come from the checkpoint, and a
// flag given explicitly must agree with it.
void settle_state(const CLI::App& cmd, TrainArgs& a) {
  a.state.data.order = parse_batch_order(a.data_order);
  a.state.schedule.decay = parse_lr_decay(a.schedule);
  a.state.compute = parse_compute_type(a.compute);
  a.state.schedule.total_steps = a.run.steps;
  if (a.state.data.batch < 1 || a.state.data.seq_len < 2 || a.state.data.grad_accum < 1)
    throw UsageError("--batch and --grad-accum must be >= 1 and --seq-len >= 2");
  if (a.run.steps < 1) throw UsageError("--steps must be >= 1");
  if (!a.run.resume) {
    if (a.run.model.empty()) throw UsageError("--model is required unless --resume");
    namespace fs = std::filesystem;
    if (fs::exists(a.run.out) && fs::exists(a.run.model) && fs::equivalent(a.run.out, a.run.model))
      throw UsageError("--out " + a.run.out + " is the --model directory: a checkpoint would "
                       "replace it; choose another --out");
    return;
  }
  const std::string path = (std::filesystem::path(a.run.out) / "trainer_state.json").string();
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

void report(const TrainArgs& a, const TrainerSummary& s) {
  std::printf("trained steps %lld..%lld (compute %s): last loss %.4f, %.0f tokens/s (MFU against "
              "%.0f GFLOP/s sgemm; bf16 GEMM peak %.0f GFLOP/s); checkpoint %s\n",
              (long long)s.first_step, (long long)s.last_step - 1,
              compute_type_name(a.state.compute), s.last_loss, s.tokens_per_s, s.sgemm_gflops,
              s.bf16_gemm_gflops, a.run.out.c_str());
  if (a.run.profile)
    std::fputs(format_profile_table({s.profile, s.step_seconds, s.last_step - s.first_step,
                                     a.state.compute, s.sgemm_gflops, s.bf16_gemm_gflops})
                   .c_str(),
               stdout);
}

// The model directory whose config and tokenizer the data is read against.
std::string model_dir(const TrainArgs& a) { return a.run.resume ? a.run.out : a.run.model; }

void run_pretrain(const CLI::App& cmd, TrainArgs& a) {
  settle_state(cmd, a);
  apply_threads(a.threads);
  a.run.progress = !a.quiet;
  const ModelConfig c = load_model_config(model_dir(a));
  const TokenFile data = TokenFile::open(a.data, c.vocab_size);
  const BatchSpec spec = a.state.data;
  const TrainerSummary s = run_training(a.run, a.state, [&](int64_t step, int64_t micro,
                                                             TrainBatch& b) {
    b.tokens.resize(size_t(b.B * (b.T + 1)));
    data.fill_batch(spec, step, micro, b.tokens.data());
  });
  report(a, s);
}

// --data FILE.jsonl (chat conversations) or FILE.bin with FILE.mask beside it (`r1 data
// tokenize --chat`).
SftDataset open_sft_data(const TrainArgs& a, const std::string& model, const ModelConfig& c) {
  const std::filesystem::path p(a.data);
  if (p.extension() == ".jsonl")
    return SftDataset::from_chat_jsonl(a.data, Tokenizer::load(model), ChatTemplate::load(model),
                                       a.threads);
  std::filesystem::path mask = p;
  mask.replace_extension(".mask");
  return SftDataset::from_files(a.data, mask.string(), c.vocab_size);
}

void run_sft(const CLI::App& cmd, TrainArgs& a) {
  settle_state(cmd, a);
  apply_threads(a.threads);
  a.run.progress = !a.quiet;
  const std::string model = model_dir(a);
  const ModelConfig c = load_model_config(model);
  const SftDataset data = open_sft_data(a, model, c);
  // Padding follows a conversation's end and is masked, so only later padding sees it: any id.
  const int32_t pad = 0;
  const BatchSpec spec = a.state.data;
  std::vector<uint8_t> row_mask;  // [B, T + 1] assistant-token flags
  const TrainerSummary s = run_training(a.run, a.state, [&](int64_t step, int64_t micro,
                                                             TrainBatch& b) {
    b.tokens.resize(size_t(b.B * (b.T + 1)));
    row_mask.resize(b.tokens.size());
    data.fill_batch(spec, step, micro, pad, b.tokens.data(), row_mask.data());
    b.mask.resize(size_t(b.B * b.T));  // target t (token t + 1) counts when it is the assistant's
    for (int64_t r = 0; r < b.B; ++r)
      for (int64_t t = 0; t < b.T; ++t)
        b.mask[size_t(r * b.T + t)] = row_mask[size_t(r * (b.T + 1) + t + 1)];
  });
  report(a, s);
}

}  // namespace

void add_training(CLI::App& app) {
  auto pretrain_args = std::make_shared<TrainArgs>();
  CLI::App* pretrain = app.add_subcommand(
      "pretrain", "Train a model on a token file (--data FILE.bin from `r1 data tokenize`)");
  add_train_flags(pretrain, *pretrain_args);
  pretrain->callback([pretrain, pretrain_args] { run_pretrain(*pretrain, *pretrain_args); });

  auto sft_args = std::make_shared<TrainArgs>();
  sft_args->data_order = "random";
  CLI::App* sft = app.add_subcommand(
      "sft",
      "Supervised fine-tuning on chat conversations, loss on the assistant tokens (--data "
      "FILE.jsonl in OpenAI messages format, or FILE.bin + FILE.mask from `r1 data tokenize "
      "--chat`)");
  add_train_flags(sft, *sft_args);
  sft->callback([sft, sft_args] { run_sft(*sft, *sft_args); });
}

}  // namespace r1::cli
