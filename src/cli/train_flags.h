// The flags and settings of the training loop shared by `r1 pretrain`, `r1 sft` and `r1
// distill`: optimizer, schedule, batch shape, checkpoints, compute type, and --resume checks.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "train/trainer.h"
#include "train/trainer_state.h"

namespace r1::cli {

struct TrainArgs {
  TrainerOptions run;
  TrainerState state;
  std::string data, data_order = "random", schedule = "cosine", compute = "f32";
  std::string model_flag = "--model";  // the flag that names run.model, for messages
  int threads = 0;
  bool quiet = false;
};

// The training flags (--steps, --lr, --batch, --seq-len, ..., --resume, --overwrite, --metrics)
// with their defaults; not --model, --data, --out, --quiet or --threads, which each command
// names itself.
// seed_flag: the name of the data order seed ("--seed", or another where --seed samples).
void add_train_flags(CLI::App* cmd, TrainArgs& a, const std::string& seed_flag = "--seed");

// The settings of a new run from the flags (UsageError for bad values); with --resume they come
// from the checkpoint in --out, and a flag given explicitly on `cmd` must agree with it. Refuses
// an --out or --metrics that holds a run unless --resume or --overwrite (check_run_output;
// `resumable`: whether the refusal offers --resume).
void settle_state(const CLI::App& cmd, TrainArgs& a, bool resumable = true);

// The one-line summary of a run (and the per-op table with --profile) on stdout.
void report_training(const TrainArgs& a, const TrainerSummary& s);

}  // namespace r1::cli
