// `r1 grpo`: reinforcement learning with rule-based rewards (rl/grpo_trainer.h) on a task's
// problems, from a JSONL file or generated from the task's train split. --variant picks the
// defaults of GRPO, Dr. GRPO, DAPO or RLOO; any flag given explicitly overrides them;
// --importance sequence is GSPO's sequence ratio with its epsilons.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/task_flags.h"
#include "core/error.h"
#include "kernels/cpu/matmul.h"
#include "rl/grpo_trainer.h"

namespace r1::cli {

namespace {

struct GrpoArgs {
  rl::GrpoConfig run;
  TaskFlags task;
  ToolFlags tools;
  std::string data, variant = "grpo", advantage, aggregation, schedule = "constant";
  std::string importance = "token";
  std::string compute = "f32";
  int64_t problems = 2000, eval_problems = 100;
  std::string eval_data;
  bool dynamic_sampling = false;
  int threads = 0;
  bool quiet = false;
};

// The variant's defaults for every setting the user did not give (`given` says which were).
void apply_variant(GrpoArgs& a, const CLI::App& cmd) {
  auto given = [&](const char* flag) { return cmd.get_option(flag)->count() > 0; };
  rl::GrpoConfig& r = a.run;
  std::string advantage = "grpo", aggregation = "seq-mean-token-mean";
  double eps_high = 0.2, beta = 0.001;
  bool dynamic = false;
  if (a.variant == "dr-grpo") {
    advantage = "dr_grpo";
    aggregation = "seq-mean-token-sum-norm";
    beta = 0.0;
  } else if (a.variant == "dapo") {
    aggregation = "token-mean";
    eps_high = 0.28;
    beta = 0.0;
    dynamic = true;
    if (!given("--overlong-max")) r.reward.max_tokens = r.max_tokens;
    if (!given("--overlong-cache")) r.reward.cache_tokens = r.max_tokens / 4;
  } else if (a.variant == "rloo") {
    advantage = "rloo";
    beta = 0.0;
  } else if (a.variant != "grpo") {
    throw UsageError("--variant: expected grpo, dr-grpo, dapo or rloo, got '" + a.variant + "'");
  }
  r.advantage.mode = rl::advantage_mode_from_name(given("--advantage") ? a.advantage : advantage);
  r.update.loss.aggregation =
      rl::loss_aggregation_from_name(given("--loss-agg") ? a.aggregation : aggregation);
  r.update.loss.importance = rl::importance_level_from_name(a.importance);
  if (r.update.loss.importance == rl::ImportanceLevel::kSequence) {
    // GSPO's clip range (Zheng et al. 2025, sec. 5.1): sequence ratios stay much closer to 1.
    if (!given("--epsilon")) r.update.loss.eps_low = 3e-4;
    eps_high = 4e-4;
  }
  if (!given("--epsilon-high"))
    r.update.loss.eps_high = given("--epsilon") ? r.update.loss.eps_low : eps_high;
  if (!given("--beta")) r.update.loss.beta = beta;
  r.dynamic_sampling = given("--dynamic-sampling") ? a.dynamic_sampling : dynamic;
  if (r.update.loss.aggregation == rl::LossAggregation::kSeqMeanTokenSumNorm &&
      r.update.loss.length_norm == 0)
    r.update.loss.length_norm = r.max_tokens;
}

void run(GrpoArgs& a, const CLI::App& cmd, Comm& world) {
  if (a.threads > 0) set_compute_threads(a.threads);
  apply_variant(a, cmd);
  rl::GrpoConfig& r = a.run;
  r.tools = make_tools_from_flags(a.tools);
  r.progress = !a.quiet && world.is_root();
  r.schedule.decay = parse_lr_decay(a.schedule);
  r.update.compute = parse_compute_type(a.compute);
  r.schedule.total_steps = r.steps;
  const std::unique_ptr<rl::Task> task = make_task_from_flags(a.task);
  r.task = task.get();
  r.prompt_template = rl::parse_template_kind(a.task.template_name);
  r.problems = a.data.empty() ? rl::generate_problems(*task, a.problems, r.seed, rl::Split::Train)
                              : rl::load_problems(*task, a.data);
  if (r.eval_every > 0) {
    r.eval_problems = a.eval_data.empty()
                          ? rl::generate_problems(*task, a.eval_problems, 1, rl::Split::Eval)
                          : rl::load_problems(*task, a.eval_data);
    r.eval.prompt_template = r.prompt_template;
    r.eval.max_tokens = r.max_tokens;
    r.eval.tools = r.tools;
  }
  const rl::GrpoSummary s = rl::run_grpo(world, r);
  if (!world.is_root()) return;
  std::printf(
      "grpo: %lld steps (from step %lld) on %zu %s problems; rollout accuracy %.3f -> %.3f; "
      "generation %.1f s (%.0f tokens/s), training %.1f s; policy saved to %s\n",
      static_cast<long long>(s.steps), static_cast<long long>(s.first_step), r.problems.size(),
      task->name().c_str(), s.first_accuracy, s.last_accuracy, s.generation_seconds,
      s.generation_seconds > 0 ? double(s.generated_tokens) / s.generation_seconds : 0.0,
      s.training_seconds, r.out.c_str());
  if (s.first_eval >= 0)
    std::printf("grpo: held-out pass@1 %.3f -> %.3f on %zu problems\n", s.first_eval, s.last_eval,
                r.eval_problems.size());
}

}  // namespace

void add_grpo(CLI::App& app, Comm& world) {
  auto a = std::make_shared<GrpoArgs>();
  rl::GrpoConfig& r = a->run;
  r.schedule.lr = 1e-6;
  r.schedule.decay = LrDecay::Constant;
  r.update.adamw.weight_decay = 0.0;
  r.update.adamw.beta2 = 0.99;
  CLI::App* cmd = app.add_subcommand("grpo",
                                     "GRPO with rule-based rewards: sample G completions per "
                                     "prompt, group advantages, clipped update");
  cmd->add_option("--model", r.model,
                  "initial policy: a checkpoint directory or .gguf file with a tokenizer; not "
                  "with --resume");
  cmd->add_option("--out", r.out, "where the trained policy is saved (atomically)")->required();
  add_task_flags(cmd, a->task);
  add_template_flag(cmd, a->task);
  add_reward_flags(cmd, r.reward);
  add_tool_flags(cmd, a->tools);
  cmd->add_option("--data", a->data, "problems JSONL in the task's format (default: generated)");
  cmd->add_option("--problems", a->problems,
                  "generated train-split problems when no --data (default 2000)");
  cmd->add_option("--metrics", r.metrics, "metrics JSONL (default OUT.metrics.jsonl)");
  cmd->add_option("--steps", r.steps, "rollout + update steps (default 50)");
  cmd->add_option("--prompts", r.prompts_per_step, "prompts per step (default 16)");
  cmd->add_option("--group", r.group_size, "samples per prompt G (default 8)");
  cmd->add_option("--max-tokens", r.max_tokens, "tokens per completion (default 128)");
  cmd->add_option("--variant", a->variant,
                  "grpo | dr-grpo | dapo | rloo: defaults below (default grpo)");
  cmd->add_option("--advantage", a->advantage, "grpo | dr_grpo | rloo");
  cmd->add_option("--loss-agg", a->aggregation,
                  "seq-mean-token-mean | token-mean | seq-mean-token-sum-norm");
  cmd->add_option("--length-norm", r.update.loss.length_norm,
                  "L of seq-mean-token-sum-norm (default --max-tokens)");
  cmd->add_option("--epsilon", r.update.loss.eps_low,
                  "clip range: ratio >= 1 - epsilon (default 0.2; sequence importance 3e-4)");
  cmd->add_option("--epsilon-high", r.update.loss.eps_high,
                  "ratio <= 1 + epsilon-high (default epsilon; dapo 0.28; sequence importance "
                  "4e-4)");
  cmd->add_option("--importance", a->importance,
                  "token | sequence: the importance ratio per token (PPO, GRPO) or GSPO's per "
                  "sequence, exp of the mean token log-ratio (default token)");
  cmd->add_option("--temperature", r.update.temperature,
                  "rollout sampling temperature; the old, current and reference log-probabilities "
                  "are all of logits / temperature (default 1)");
  cmd->add_option("--beta", r.update.loss.beta, "k3 KL weight (grpo 0.001, others 0)");
  cmd->add_flag("--dynamic-sampling,!--no-dynamic-sampling", a->dynamic_sampling,
                "DAPO: train only on groups whose rewards differ, sampling fresh groups until "
                "--prompts of them (dapo: on)");
  cmd->add_option("--max-sampling-rounds", r.max_sampling_rounds,
                  "dynamic sampling: rounds of --prompts groups a step samples at most, then it "
                  "trains on the groups it has (default 3)");
  cmd->add_option("--mu", r.update.mu, "optimizer updates per rollout batch (default 1)");
  cmd->add_option("--ref-update-every", r.ref_update_every,
                  "refresh the KL reference every N steps (0: never)");
  cmd->add_option("--micro-batch", r.update.micro_batch,
                  "sequences per forward/backward (default 16)");
  cmd->add_option("--lr", r.schedule.lr, "learning rate (default 1e-6)");
  cmd->add_option("--warmup", r.schedule.warmup_steps, "linear warmup steps (default 0)");
  cmd->add_option("--schedule", a->schedule, "constant | cosine (default constant)");
  cmd->add_option("--clip", r.update.clip, "max global gradient norm, 0 = off (default 1)");
  cmd->add_option("--wd", r.update.adamw.weight_decay, "AdamW weight decay (default 0)");
  cmd->add_option("--beta1", r.update.adamw.beta1, "AdamW beta1 (default 0.9)");
  cmd->add_option("--beta2", r.update.adamw.beta2, "AdamW beta2 (default 0.99)");
  cmd->add_option("--bias-update-gamma", r.update.bias_update_gamma,
                  "DeepSeek-V3 expert-bias update rate (default 0)");
  cmd->add_option("--compute", a->compute,
                  "f32 | bf16: the dense matmuls' operands in the updates (default f32; rollouts "
                  "sample in f32)");
  cmd->add_option("--eval-every", r.eval_every,
                  "held-out pass@1 every N steps, logged as eval_pass@1 (0: off)");
  cmd->add_option("--eval-problems", a->eval_problems,
                  "generated eval-split problems (default 100)");
  cmd->add_option("--eval-data", a->eval_data, "held-out problems JSONL instead");
  cmd->add_option("--eval-samples", r.eval.samples, "samples per eval problem (default 1)");
  cmd->add_option("--seed", r.seed, "problem order and sampling seed (default 0)");
  cmd->add_option("--save-every", r.save_every,
                  "also save every N steps (default: only at the end)");
  cmd->add_option("--stop-at", r.stop_at,
                  "stop (and save) after this many steps; --resume continues the same run");
  cmd->add_flag("--resume", r.resume,
                "continue the run in --out bit-identically (give the flags it was started with; "
                "the metrics are appended to)");
  cmd->add_flag("--overwrite", r.overwrite,
                "start over although --out or --metrics holds a run (replacing it); without "
                "--resume or --overwrite an existing run is refused");
  cmd->add_option("-t,--threads", a->threads, "compute threads (default: all cores)");
  cmd->add_flag("--quiet", a->quiet, "no progress bar");
  cmd->callback([a, cmd, &world] { run(*a, *cmd, world); });
}

}  // namespace r1::cli
