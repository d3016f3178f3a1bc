// GRPO's checkpoint: where a run starts (the initial policy, or everything a saved run needs to
// continue bit-identically) and what a save writes (train/checkpoint.h plus the KL reference).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "checkpoint/model_dir.h"
#include "io/json_file.h"
#include "rl/grpo_trainer.h"
#include "rl/grpo_update.h"
#include "train/lr_schedule.h"

namespace r1::rl {

// The settings that fix a run's trajectory, keyed by the flag that sets them ("--prompts": 16,
// ...), with fingerprints of the training and held-out problems ("problems", "eval problems").
// --steps is not among them: a resumed run may be extended. Settings added after runs were
// first saved (--temperature, --importance) appear only when not at their default, so that
// those runs still resume.
Json grpo_run_settings(const GrpoConfig& g);

struct GrpoStart {
  PolicyState policy;  // params, zeroed grads, ref (beta > 0), AdamW moments and step
  int64_t step = 0;    // the next step to run
  // Problems drawn so far from the problem order (rl/problem_order.h): the next step's first.
  // Dynamic sampling draws a varying number per step, so it is saved with the checkpoint.
  int64_t problems_drawn = 0;
  LrSchedule schedule;  // a resumed run keeps the schedule it was started with
  // The model the run reads its tokenizer, template and stop ids from and writes its tokenizer
  // files from: g.model, or the checkpoint in g.out on resume.
  std::shared_ptr<const ModelDir> model;
};

// A new run: the policy from g.model, the reference a copy of it, fresh moments, step 0. With
// g.resume: all of it from the checkpoint in g.out; UsageError when a setting differs from the
// saved run's (naming the flag and both values) or the run is already at g.steps.
GrpoStart start_grpo(const GrpoConfig& g);

// Saves the policy, moments, reference and trainer state into g.out (atomically) as the
// checkpoint to resume at `next_step`.
void save_grpo_checkpoint(const GrpoConfig& g, const GrpoStart& run, int64_t next_step);

}  // namespace r1::rl
