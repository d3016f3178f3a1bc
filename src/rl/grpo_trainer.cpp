// run_grpo: per step, sample this rank's rollouts from the live policy (a Model over the
// parameter buffer), score them, compute group advantages (dynamic sampling: round after round
// until the batch is full), then mu times: forward/backward of
// every micro-batch with the GRPO objective, all-reduce, clip, AdamW, expert-bias rule; log
// (the rollout metrics summed over the ranks) and save.
#include "rl/grpo_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

#include "chat/chat_template.h"
#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "core/progress.h"
#include "infer/generator.h"
#include "model/model.h"
#include "model/param_layout.h"
#include "model/param_source.h"
#include "model/tensor_source.h"
#include "rl/dynamic_sampling.h"
#include "rl/grpo_checkpoint.h"
#include "rl/problem_order.h"
#include "rl/prompt_template.h"
#include "rl/rollout.h"
#include "rl/self_check.h"
#include "rl/tool_rollout.h"
#include "train/data_parallel.h"
#include "train/metrics.h"
#include "train/run_output.h"

namespace r1::rl {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void validate_config(const GrpoConfig& g) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw UsageError(what);
  };
  need(g.task != nullptr, "no task given");
  need(!g.problems.empty(), "no training problems");
  need(g.steps >= 1, "--steps must be >= 1");
  need(g.prompts_per_step >= 1, "--prompts must be >= 1");
  need(g.group_size >= 2, "--group must be >= 2 (advantages compare samples of one prompt)");
  need(g.max_tokens >= 1, "--max-tokens must be >= 1");
  need(g.update.mu >= 1, "--mu must be >= 1");
  need(g.update.micro_batch >= 1, "--micro-batch must be >= 1");
  need(g.ref_update_every >= 0, "--ref-update-every must be >= 0");
  need(g.max_sampling_rounds >= 1, "--max-sampling-rounds " +
                                       std::to_string(g.max_sampling_rounds) +
                                       ": expected at least 1 round of groups per step");
  std::ostringstream temperature;
  temperature << g.update.temperature;
  need(std::isfinite(g.update.temperature) && g.update.temperature > 0.0f,
       "--temperature " + temperature.str() +
           ": expected a positive sampling temperature (1: the policy's own distribution)");
  validate(g.reward);
  need(g.reward.consistency_weight == 0 || g.task->counts_self_checks(),
       "--consistency-weight: task " + g.task->name() +
           " has no reasoning notation to be consistent with (tasks with one: countdown)");
  validate(g.tools);
}

// This rank's groups of a round: its share of the prompts_per_step problems at position `first`
// of the problem order, sampled with the seeds one process gives them.
RoundRollouts sample_and_score(Comm& comm, const GrpoConfig& g, const Generator& gen,
                               const Tokenizer& tok, const ChatTemplate* chat,
                               const std::optional<ToolContext>& tools, int64_t first) {
  const std::vector<size_t> all = problems_at(g.problems.size(), first, g.prompts_per_step, g.seed);
  const RankShare mine = share_of(int64_t(all.size()), comm);
  const std::vector<size_t> picked(all.begin() + mine.begin, all.begin() + mine.end);
  std::vector<std::vector<int32_t>> prompts;
  std::vector<bool> opens_think;
  for (size_t i : picked) {
    EncodedPrompt prompt = encode_prompt(g.prompt_template, g.problems[i].question, tok, chat,
                                         tools ? &g.tools : nullptr);
    prompts.push_back(std::move(prompt.ids));
    opens_think.push_back(prompt.opens_think);
  }
  RolloutSettings rs;
  rs.group_size = g.group_size;
  rs.max_tokens = g.max_tokens;
  rs.sampling.temperature = g.update.temperature;
  rs.sampling.top_p = 1.0f;
  // Every problem position has its own G streams (without refills: step * P + i, as before).
  rs.sampling.seed = g.seed * 1000003ull + uint64_t(first) * uint64_t(g.group_size) +
                     uint64_t(mine.begin) * uint64_t(g.group_size);
  RolloutBatch batch = tools ? generate_tool_rollouts(gen, *tools, prompts, rs)
                             : generate_rollouts(gen, prompts, rs);
  RoundRollouts out;
  out.stats = batch.stats;
  for (const Rollout& r : batch.rollouts) {
    const size_t q = size_t(r.group);
    out.rewards.push_back(compute_reward(*g.task, g.problems[picked[q]], r.completion.text,
                                         sampled_tokens(r), g.prompt_template, opens_think[q],
                                         g.reward));
  }
  out.rollouts = std::move(batch.rollouts);
  return out;
}

// The step's rollout metrics over every rank's rollouts of every round.
Json rollout_metrics(Comm& comm, const GrpoConfig& g, const StepSample& s) {
  enum {
    kCount,
    kReward,
    kRewardSq,
    kAccuracy,
    kFormat,
    kLength,
    kTruncated,
    kZeroStd,
    kWithCall,
    kCalls,
    kTurns,
    kToolErrors,
    kSums
  };
  double sum[kSums] = {};
  double longest = 0;
  SelfCheckTally self_checks;
  for (size_t i = 0; i < s.rewards.size(); ++i) {
    const RewardBreakdown& r = s.rewards[i];
    if (g.task->counts_self_checks())
      self_checks.add(r.self_checks, r.accuracy > 0);
    sum[kCount] += 1;
    sum[kReward] += r.total;
    sum[kRewardSq] += r.total * r.total;
    sum[kAccuracy] += r.accuracy;
    sum[kFormat] += r.format;
    const Rollout& x = s.rollouts[i];
    const double len = double(sampled_tokens(x));
    sum[kLength] += len;
    longest = std::max(longest, len);
    sum[kTruncated] += x.completion.finish_reason == "length" ? 1 : 0;
    sum[kWithCall] += x.tools.calls > 0 ? 1 : 0;
    sum[kCalls] += double(x.tools.calls);
    sum[kTurns] += double(x.tools.turns);
    sum[kToolErrors] += double(x.tools.errors);
  }
  sum[kZeroStd] = double(s.zero_std_groups);
  comm.all_reduce_sum(sum, kSums);
  comm.all_reduce_max(&longest, 1);
  if (g.task->counts_self_checks()) comm.all_reduce_sum(self_checks.sums(), self_checks.size());
  const double N = sum[kCount], mean = sum[kReward] / N;
  Json m = {{"reward_mean", mean},
            {"reward_std", std::sqrt(std::max(0.0, sum[kRewardSq] / N - mean * mean))},
            {"accuracy", sum[kAccuracy] / N},
            {"format_rate", sum[kFormat] / N},
            {"response_length_mean", sum[kLength] / N},
            {"response_length_max", int64_t(longest)},
            {"truncated_rate", sum[kTruncated] / N},
            {"zero_std_fraction", sum[kZeroStd] / double(s.rounds * g.prompts_per_step)},
            {"groups_sampled", s.rounds * g.prompts_per_step},
            {"groups_kept", s.groups_kept},
            {"sampling_rounds", s.rounds}};
  if (g.tools.enabled())
    m.update({{"tool_call_rate", sum[kWithCall] / N},
              {"tool_calls_per_rollout", sum[kCalls] / N},
              {"tool_turns_per_rollout", sum[kTurns] / N},
              {"tool_errors_per_rollout", sum[kToolErrors] / N}});
  if (g.task->counts_self_checks()) m.update(self_checks.metrics());
  return m;
}

// The update of one step on its scored rollouts: the batch's groups, mu AdamW updates; the
// step's metrics added to `record`.
void train_on_rollouts(Comm& comm, const GrpoConfig& g, PolicyState& p, StepSample& s, double lr,
                       double generation_s, Json& record) {
  const auto t1 = Clock::now();
  record.update(rollout_metrics(comm, g, s));
  std::vector<Rollout> kept;
  std::vector<double> kept_advantages;
  for (size_t i = 0; i < s.rollouts.size(); ++i)
    if (s.trained[i / size_t(g.group_size)]) {
      kept.push_back(std::move(s.rollouts[i]));
      kept_advantages.push_back(s.advantages[i]);
    }
  const UpdateResult u = grpo_update(comm, p, kept, kept_advantages, g.update, lr);
  const double training_s = seconds_since(t1);
  int64_t trained = int64_t(kept.size()), generated = s.stats.generated_tokens;
  comm.all_reduce_sum(&trained, 1);
  comm.all_reduce_sum(&generated, 1);
  s.stats.generated_tokens = generated;  // the step's, over every rank
  record.update({{"loss", u.loss},
                 {"lr", lr},
                 {"grad_norm", u.grad_norm},
                 {"kl", u.stats.kl_mean()},
                 {"clip_fraction", u.stats.clip_fraction()},
                 {"clip_low_fraction", u.stats.clip_low_fraction()},
                 {"clip_high_fraction", u.stats.clip_high_fraction()},
                 {"ratio_mean", u.stats.ratio_mean()},
                 {"sequences_trained", trained},
                 {"generated_tokens", s.stats.generated_tokens},
                 {"generation_tokens_per_s", double(s.stats.generated_tokens) / generation_s},
                 {"training_tokens_per_s", training_s > 0 ? double(u.tokens) / training_s : 0.0},
                 {"generation_s", generation_s},
                 {"training_s", training_s},
                 {"generation_share", generation_s / (generation_s + training_s)}});
}

}  // namespace

GrpoSummary run_grpo(Comm& comm, const GrpoConfig& g) {
  validate_config(g);
  if (g.eval_every > 0 && g.eval_problems.empty())
    throw UsageError("--eval-every needs evaluation problems");
  if (g.prompts_per_step < comm.size())
    throw UsageError(
        "--prompts " + std::to_string(g.prompts_per_step) + " gives " +
        std::to_string(comm.size()) +
        " ranks fewer groups than ranks; use --prompts >= " + std::to_string(comm.size()));
  const bool root = comm.is_root();
  const std::string metrics_path = root ? prepare_metrics_path(g.out, g.metrics) : "";
  if (root) check_run_output(g.out, metrics_path, output_mode(g.resume, g.overwrite));
  GrpoStart run = start_grpo(g);
  PolicyState& p = run.policy;
  check_ranks_start_alike(comm, p.config, p.params);
  const ParamLayout layout(p.config);
  const ModelDir& model = *run.model;
  const Tokenizer& tok = model.require_tokenizer("GRPO reads and writes text");
  const ChatTemplate* chat_template =
      g.prompt_template == TemplateKind::R1 ? &model.require_chat_template() : nullptr;
  // The policy the rollouts come from is the parameter buffer itself: every update is seen.
  const auto policy =
      Model::from_source(model.path() + " (policy)", p.config,
                         std::make_unique<ParamSource>(layout, p.params.f32(), model.path()));
  const Generator gen(*policy, &tok, model.stop_ids());
  std::optional<ToolContext> tools;
  if (g.tools.enabled())
    tools = make_tool_context(
        tok, g.tools,
        chat_template ? tool_call_format_for(chat_template->family()) : ToolCallFormat::R1);
  if (root && !g.resume) remove_old_checkpoint(g.out);
  std::optional<MetricsWriter> metrics;
  if (root)
    metrics.emplace(g.resume ? MetricsWriter::resume(metrics_path, run.step - 1)
                             : MetricsWriter::create(metrics_path));
  if (comm.size() > 1) {
    const RankShare groups = share_of(g.prompts_per_step, comm);
    std::fprintf(stderr, "r1: %s: data parallel, groups %lld..%lld of each step's %lld\n",
                 comm.name_of(comm.rank()).c_str(), (long long)groups.begin,
                 (long long)groups.end - 1, (long long)g.prompts_per_step);
  }

  StepSamplingOptions sampling;
  sampling.groups = g.prompts_per_step;
  sampling.group_size = g.group_size;
  sampling.dynamic = g.dynamic_sampling;
  sampling.max_rounds = g.max_sampling_rounds;
  sampling.advantage = g.advantage;

  GrpoSummary summary;
  summary.first_step = run.step;
  EvalOptions quiet_eval = g.eval;
  quiet_eval.progress = false;
  auto eval = [&] {
    return evaluate(comm, gen, tok, chat_template, *g.task, g.eval_problems, quiet_eval);
  };
  // Held-out pass@1 before the first update: the base.
  const double base_eval = g.eval_every > 0 && run.step == 0 ? eval().pass_at_1 : -1.0;
  const int64_t end = g.stop_at > 0 ? std::min(g.stop_at, g.steps) : g.steps;
  Progress progress("grpo", end - run.step, "steps", 1.0, g.progress);
  for (int64_t step = run.step; step < end; ++step) {
    if (g.ref_update_every > 0 && g.update.loss.beta > 0 && step > 0 &&
        step % g.ref_update_every == 0)
      std::copy_n(p.params.f32(), layout.total(), p.ref.f32());
    const auto t0 = Clock::now();
    const int64_t first_problem = run.problems_drawn;
    StepSample s = sample_step(comm, sampling, [&](int64_t round) {
      return sample_and_score(comm, g, gen, tok, chat_template, tools,
                              first_problem + round * g.prompts_per_step);
    });
    run.problems_drawn += s.rounds * g.prompts_per_step;
    double generation_s = seconds_since(t0);
    comm.all_reduce_max(&generation_s, 1);  // the step waits for the slowest rank
    Json record = {{"step", step}};
    train_on_rollouts(comm, g, p, s, lr_at(run.schedule, step), generation_s, record);
    const bool last = step + 1 == g.steps;  // of the schedule, not of this invocation
    if (g.eval_every > 0 && (step == 0 || last || (step + 1) % g.eval_every == 0)) {
      // Held-out pass@1 after this step's update (step 0 also before it: the base).
      const EvalResult e = eval();
      record.update({{"eval_pass@1", e.pass_at_1},
                     {"eval_response_length", e.mean_response_tokens},
                     {"eval_format_error_rate", e.format_error_rate}});
      if (e.tools) record["eval_tool_call_rate"] = e.tool_call_rate;
      if (step == 0) {
        record["eval_pass@1_before"] = base_eval;
        summary.first_eval = base_eval;
      }
      summary.last_eval = e.pass_at_1;
    }
    if (comm.size() > 1) record["ranks"] = comm.size();
    if (metrics) metrics->write(record);
    if (step == run.step) summary.first_accuracy = record["accuracy"].get<double>();
    summary.last_accuracy = record["accuracy"].get<double>();
    summary.generation_seconds += record["generation_s"].get<double>();
    summary.training_seconds += record["training_s"].get<double>();
    summary.generated_tokens += s.stats.generated_tokens;
    summary.steps = step + 1 - run.step;
    progress.update(step + 1 - run.step);
    if (root && (step + 1 == end || (g.save_every > 0 && (step + 1) % g.save_every == 0)))
      save_grpo_checkpoint(g, run, step + 1);
  }
  progress.finish();
  return summary;
}

}  // namespace r1::rl
