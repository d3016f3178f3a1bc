// Rejection sampling as `r1 reject` and the teacher stage of `r1 distill` run it: the flags
// (task, problems, samples, template, sampling), one run on a model, the trace file, the summary.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "cli/task_flags.h"
#include "comm/comm.h"
#include "io/json_file.h"
#include "rl/evaluate.h"
#include "rl/rejection.h"

namespace r1::cli {

struct RejectArgs {
  TaskFlags task;
  std::string data;  // problems JSONL; "" = generated from the task's train split
  int64_t problems = 200;
  uint64_t problem_seed = 0;
  rl::SampleFilter filter;  // --max-per-problem, --readable, --min-attempts
  rl::EvalOptions sampling;     // k, max tokens, sampling parameters, prompts per batch
};

// --task --knob --template --data --problems --problem-seed --samples/-k --max-per-problem
// --readable --min-attempts
// --max-tokens/-n --batch-prompts and the sampling flags (with --seed).
void add_reject_flags(CLI::App* cmd, RejectArgs& a);

struct RejectionRun {
  rl::RejectionResult result;
  std::string task;  // the task's name
  int64_t samples = 0;
  int64_t generated_tokens = 0;
  double seconds = 0.0;
};

// Samples `model` k times on each problem, keeps the verified samples and writes their SFT
// records to `out` (JSONL, atomically, its directory created; an empty file when none is kept).
// Across ranks each samples its share of the problems, every rank gets the whole result and rank
// 0 writes `out` before any rank returns. UsageError for bad flags (naming them), the loaders'
// errors as they are.
RejectionRun run_rejection(Comm& comm, const RejectArgs& a, const std::string& model,
                           const std::string& out, bool progress);

// The summary lines on stdout; rejection_run_json: the same as one object, with "out".
void print_rejection(const RejectionRun& run, const std::string& out);
Json rejection_run_json(const RejectionRun& run, const std::string& out);

}  // namespace r1::cli
