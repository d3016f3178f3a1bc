// Rejection sampling flags and run, shared by `r1 reject` and `r1 distill`.
#include "cli/reject_flags.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "chat/chat_template.h"
#include "checkpoint/model_dir.h"
#include "cli/sampling_flags.h"
#include "core/error.h"
#include "infer/generator.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace r1::cli {

void add_reject_flags(CLI::App* cmd, RejectArgs& a) {
  a.sampling.samples = 4;
  add_task_flags(cmd, a.task);
  add_template_flag(cmd, a.task);
  cmd->add_option("--data", a.data,
                  "problems JSONL in the task's format (default: generated from the train split)");
  cmd->add_option("--problems", a.problems,
                  "generated train-split problems when no --data (default 200)");
  cmd->add_option("--problem-seed", a.problem_seed, "seed of the generated problems (default 0)");
  cmd->add_option("--samples,-k", a.sampling.samples, "samples per problem k (default 4)");
  cmd->add_option("--max-per-problem", a.filter.max_per_problem,
                  "keep at most this many distinct verified samples per problem (default 0: all)");
  cmd->add_flag("--readable", a.filter.readable,
                "R1's cold-start rule: keep only reasoning all in the task's notation with every "
                "attempt checked and every verdict true (countdown)");
  cmd->add_option(
      "--min-attempts", a.filter.min_attempts,
      "with --readable: keep only samples with at least this many attempts (default 1)");
  cmd->add_option("--max-tokens,-n", a.sampling.max_tokens, "tokens per completion (default 256)");
  cmd->add_option("--batch-prompts", a.sampling.prompts_per_batch,
                  "problems decoded together (default 16)");
  add_sampling_flags(cmd, a.sampling.sampling);
}

RejectionRun run_rejection(Comm& comm, const RejectArgs& a, const std::string& model,
                           const std::string& out, bool progress) {
  if (a.filter.max_per_problem < 0)
    throw UsageError("--max-per-problem must be >= 0 (0: no cap), got " +
                     std::to_string(a.filter.max_per_problem));
  const std::unique_ptr<rl::Task> task = make_task_from_flags(a.task);
  if (a.filter.readable && !task->counts_self_checks())
    throw UsageError("--readable: task " + task->name() +
                     " has no reasoning notation to read (tasks with one: countdown)");
  if (a.filter.min_attempts != 0 && !a.filter.readable)
    throw UsageError("--min-attempts works with --readable");
  rl::EvalOptions opts = a.sampling;
  opts.prompt_template = rl::parse_template_kind(a.task.template_name);
  opts.progress = progress;
  const std::vector<rl::Problem> problems =
      a.data.empty() ? rl::generate_problems(*task, a.problems, a.problem_seed, rl::Split::Train)
                     : rl::load_problems(*task, a.data);
  const ModelDir dir = ModelDir::open(model);
  const auto weights = dir.load_model();
  const Tokenizer& tok = dir.require_tokenizer("rejection sampling reads and writes text");
  const ChatTemplate* chat =
      opts.prompt_template == rl::TemplateKind::R1 ? &dir.require_chat_template() : nullptr;
  const Generator gen(*weights, &tok, dir.stop_ids());
  const rl::EvalResult eval = rl::evaluate(comm, gen, tok, chat, *task, problems, opts);

  RejectionRun run;
  run.result = rl::reject_samples(eval, problems, opts.prompt_template, chat, a.filter);
  run.task = task->name();
  run.samples = eval.samples;
  run.generated_tokens = eval.generated_tokens;
  run.seconds = eval.seconds;
  if (comm.is_root()) {
    const std::filesystem::path parent = std::filesystem::absolute(out).parent_path();
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw IoError(parent.string() + ": cannot create directory: " + ec.message());
    std::string lines;
    for (const OrderedJson& record : run.result.records)
      lines += record.dump(-1, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
    write_text_file_atomic(out, lines);
  }
  comm.barrier();  // the file exists for every rank that reads it next
  return run;
}

void print_rejection(const RejectionRun& run, const std::string& out) {
  const rl::RejectionResult& r = run.result;
  std::printf(
      "reject: %lld %s problems, %lld samples each: kept %lld of %lld samples (%.1f%%) "
      "on %lld problems; pass@1 of the sampling %.3f\n",
      static_cast<long long>(r.problems), run.task.c_str(), static_cast<long long>(run.samples),
      static_cast<long long>(r.kept), static_cast<long long>(r.sampled),
      r.sampled > 0 ? 100.0 * double(r.kept) / double(r.sampled) : 0.0,
      static_cast<long long>(r.problems_kept), r.pass_at_1);
  std::printf("  %lld tokens in %.1f s (%.0f tokens/s); %s %s\n",
              static_cast<long long>(run.generated_tokens), run.seconds,
              run.seconds > 0 ? double(run.generated_tokens) / run.seconds : 0.0,
              r.kept > 0 ? "SFT records written to" : "no verified sample: empty file",
              out.c_str());
}

Json rejection_run_json(const RejectionRun& run, const std::string& out) {
  Json j = rl::rejection_result_to_json(run.result);
  j["task"] = run.task;
  j["samples"] = run.samples;
  j["generated_tokens"] = run.generated_tokens;
  j["seconds"] = run.seconds;
  j["out"] = out;
  return j;
}

}  // namespace r1::cli
