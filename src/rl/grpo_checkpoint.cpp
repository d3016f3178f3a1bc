// GRPO's start (new or resumed) and save; the settings a resumed run is checked against.
#include "rl/grpo_checkpoint.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/hash.h"
#include "model/param_layout.h"
#include "model/tensor_source.h"
#include "train/checkpoint.h"
#include "train/trainer_state.h"

namespace r1::rl {

namespace {

// FNV-1a over every problem's id, question and answer: a changed --data, --problems, --knob or
// --task changes it.
std::string problems_fingerprint(const std::vector<Problem>& problems) {
  uint64_t h = kFnv1aShortOffset;
  auto mix = [&](const std::string& s) {
    h = fnv1a(s, h);
    h = (h ^ 0xFF) * kFnv1aPrime;  // a separator, so fields cannot shift into each other
  };
  for (const Problem& p : problems) {
    mix(p.id);
    mix(p.question);
    mix(p.answer);
  }
  return std::to_string(problems.size()) + " problems, fnv1a " + std::to_string(h);
}

TrainerState trainer_state(const GrpoConfig& g, const GrpoStart& run, int64_t step) {
  TrainerState s;
  s.step = step;
  s.data = {g.prompts_per_step * g.group_size, g.max_tokens, 1, BatchOrder::Random, g.seed};
  s.schedule = run.schedule;
  s.adamw = g.update.adamw;
  s.clip = g.update.clip;
  s.compute = g.update.compute;
  s.flags = {{"command", "grpo"},
             {"group_size", g.group_size},
             {"mu", g.update.mu},
             {"beta", g.update.loss.beta},
             {"eps_low", g.update.loss.eps_low},
             {"eps_high", g.update.loss.eps_high},
             {"problems_drawn", run.problems_drawn},
             {"settings", grpo_run_settings(g)}};
  return s;
}

void check_same_settings(const GrpoConfig& g, const TrainerState& saved, const std::string& path) {
  const Json* settings = saved.flags.contains("settings") ? &saved.flags["settings"] : nullptr;
  if (!settings || saved.flags.value("command", "") != "grpo")
    throw UsageError("--resume: " + path + " was not saved by a resumable `r1 grpo` run");
  const Json now = grpo_run_settings(g);
  auto differs = [&](const std::string& flag) {
    throw UsageError(flag + " differs from the run being resumed (" + path + ": " +
                     (settings->contains(flag) ? (*settings)[flag].dump() : "default") + ", now " +
                     (now.contains(flag) ? now[flag].dump() : "default") +
                     "); give the flags the run was started with");
  };
  for (const auto& [flag, value] : now.items())
    if (!settings->contains(flag) || (*settings)[flag] != value) differs(flag);
  for (const auto& [flag, value] : settings->items())
    if (!now.contains(flag)) differs(flag);
}

GrpoStart resume_grpo(const GrpoConfig& g) {
  LoadedCheckpoint ck = load_checkpoint(g.out);
  const std::string path = ck.dir + "/trainer_state.json";
  check_same_settings(g, ck.state, path);
  if (ck.state.step >= g.steps)
    throw UsageError(path + ": already at step " + std::to_string(ck.state.step) +
                     ", nothing to do for --steps " + std::to_string(g.steps));
  GrpoStart s;
  s.policy.config = ck.config;
  s.policy.params = std::move(ck.params);
  s.policy.adamw = std::move(ck.optimizer);
  if (g.update.loss.beta > 0) {
    if (ck.reference.data == nullptr)
      throw FormatError(ck.dir + ": no reference.safetensors, which --beta > 0 resumes from");
    s.policy.ref = std::move(ck.reference);
  }
  s.step = ck.state.step;
  // Runs saved before dynamic sampling refilled drew --prompts problems every step.
  s.problems_drawn = ck.state.flags.value("problems_drawn", s.step * g.prompts_per_step);
  s.schedule = ck.state.schedule;
  s.model = std::make_shared<const ModelDir>(ModelDir::open(ck.dir));
  return s;
}

// The policy of a new run: g.model's weights, the reference a copy of them, fresh moments.
GrpoStart start_new(const GrpoConfig& g) {
  if (g.model.empty()) throw UsageError("--model is required unless --resume");
  GrpoStart s;
  s.model = std::make_shared<const ModelDir>(ModelDir::open(g.model));
  s.policy.config = s.model->config();
  const ParamLayout layout(s.policy.config);
  s.policy.params = make_param_buffer(layout);
  s.model->load_params(layout, s.policy.params.f32());
  s.policy.adamw = make_adamw_state(layout);
  if (g.update.loss.beta > 0) {
    s.policy.ref = make_param_buffer(layout);
    std::copy_n(s.policy.params.f32(), layout.total(), s.policy.ref.f32());
  }
  s.schedule = g.schedule;
  return s;
}

}  // namespace

Json grpo_run_settings(const GrpoConfig& g) {
  const UpdateSettings& u = g.update;
  Json j = {{"--task", g.task ? g.task->name() : ""},
            {"problems", problems_fingerprint(g.problems)},
            {"--template", int(g.prompt_template)},
            {"--prompts", g.prompts_per_step},
            {"--group", g.group_size},
            {"--max-tokens", g.max_tokens},
            {"--seed", g.seed},
            {"--advantage", int(g.advantage.mode)},
            {"--dynamic-sampling", g.dynamic_sampling},
            {"--ref-update-every", g.ref_update_every},
            {"--mu", u.mu},
            {"--micro-batch", u.micro_batch},
            {"--beta", u.loss.beta},
            {"--epsilon", u.loss.eps_low},
            {"--epsilon-high", u.loss.eps_high},
            {"--loss-agg", int(u.loss.aggregation)},
            {"--length-norm", u.loss.length_norm},
            {"--clip", u.clip},
            {"--wd", u.adamw.weight_decay},
            {"--beta1", u.adamw.beta1},
            {"--beta2", u.adamw.beta2},
            {"--bias-update-gamma", u.bias_update_gamma},
            {"--compute", compute_type_name(u.compute)},
            {"--lr", g.schedule.lr},
            {"--warmup", g.schedule.warmup_steps},
            {"--schedule", lr_decay_name(g.schedule.decay)},
            {"reward", {g.reward.accuracy_weight, g.reward.format_weight, g.reward.max_tokens,
                        g.reward.cache_tokens, g.reward.overlong_weight}},
            {"--eval-every", g.eval_every}};
  if (g.dynamic_sampling) j["--max-sampling-rounds"] = g.max_sampling_rounds;
  if (u.temperature != 1.0f) j["--temperature"] = u.temperature;
  if (u.loss.importance != ImportanceLevel::kToken) j["--importance"] = int(u.loss.importance);
  if (g.eval_every > 0) {
    j["eval problems"] = problems_fingerprint(g.eval_problems);
    j["eval sampling"] = {g.eval.samples, g.eval.max_tokens, g.eval.prompts_per_batch,
                          g.eval.sampling.temperature, g.eval.sampling.top_p,
                          g.eval.sampling.top_k, g.eval.sampling.seed};
  }
  return j;
}

GrpoStart start_grpo(const GrpoConfig& g) {
  GrpoStart s = g.resume ? resume_grpo(g) : start_new(g);
  s.policy.grads = make_param_buffer(ParamLayout(s.policy.config));
  return s;
}

void save_grpo_checkpoint(const GrpoConfig& g, const GrpoStart& run, int64_t next_step) {
  const PolicyState& p = run.policy;
  const ParamLayout layout(p.config);
  const TrainerState state = trainer_state(g, run, next_step);
  save_checkpoint(g.out, {&p.config, &layout, p.params.f32(), &p.adamw, &state, run.model->path(),
                          p.ref.data ? p.ref.f32() : nullptr});
}

}  // namespace r1::rl
