// `r1 distill`: a teacher's verified reasoning traces (rejection sampling, as `r1 reject`)
// taught to a student by SFT (the loop of `r1 sft`), the recipe of DeepSeek-R1's distilled
// models. The traces stay on disk, so the SFT stage can be resumed or repeated with `r1 sft`.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/reject_flags.h"
#include "cli/sampling_flags.h"
#include "cli/train_flags.h"
#include "core/error.h"
#include "rl/answer_format.h"
#include "train/run_output.h"
#include "train/sft_data.h"
#include "train/sft_jsonl.h"

namespace r1::cli {

namespace {

struct DistillArgs {
  std::string teacher, traces;
  RejectArgs reject;
  TrainArgs train;  // run.model: the student; run.out: where it is saved
};

void run(const CLI::App& cmd, DistillArgs& a, Comm& world) {
  if (a.train.run.resume)
    throw UsageError(
        "--resume: distill would sample the teacher again; resume the SFT stage with `r1 sft "
        "--resume --data TRACES --out OUT` and the same training flags");
  settle_state(cmd, a.train, /*resumable=*/false);
  apply_threads(a.train.threads);
  a.train.run.progress = !a.train.quiet;
  a.train.data = a.traces.empty() ? a.train.run.out + ".traces.jsonl" : a.traces;
  if (!a.train.run.overwrite)
    refuse_existing_output("--traces", a.train.data,
                           "pass --overwrite to start over (replacing it)");
  // The student must read the traces' format (R1-Zero: prompt-completion; R1: chat with its
  // own template): checked before the teacher's sampling, which is the long part.
  const SftFormat format =
      rl::parse_template_kind(a.reject.task.template_name) == rl::TemplateKind::R1Zero
          ? SftFormat::PromptCompletion
          : SftFormat::Chat;
  load_sft_model_text(a.train.run.model, format);

  // Every rank samples the teacher on its share of the problems; rank 0 writes the traces,
  // which every rank then reads (from the same path) for the data-parallel SFT.
  const RejectionRun r =
      run_rejection(world, a.reject, a.teacher, a.train.data, !a.train.quiet && world.is_root());
  if (world.is_root()) print_rejection(r, a.train.data);
  if (r.result.kept == 0)
    throw UsageError("the teacher " + a.teacher + " had no verified sample among " +
                     std::to_string(r.result.sampled) +
                     ": nothing to distill (more --samples or --max-tokens, easier --knob "
                     "settings, or a stronger teacher)");
  const SftDataset data = SftDataset::from_jsonl(a.train.data, a.train.run.model, a.train.threads);
  if (world.is_root())
    std::printf("distill: SFT of %s on %zu traces\n", a.train.run.model.c_str(), data.size());
  const TrainerSummary s =
      run_training(world, a.train.run, a.train.state, sft_batch_filler(data, a.train.state.data));
  if (world.is_root()) report_training(a.train, s);
}

}  // namespace

void add_distill(CLI::App& app, Comm& world) {
  auto a = std::make_shared<DistillArgs>();
  CLI::App* cmd = app.add_subcommand(
      "distill",
      "Teacher generates (rejection sampling as `r1 reject`), verified traces are kept, the "
      "student is fine-tuned on them (as `r1 sft`)");
  cmd->add_option("--teacher", a->teacher, "the teacher's checkpoint directory or .gguf file")
      ->required();
  cmd->add_option("--student", a->train.run.model,
                  "the student's checkpoint directory (e.g. from `r1 init`) or .gguf file, with "
                  "a tokenizer")
      ->required();
  cmd->add_option("--out", a->train.run.out, "the trained student's directory")->required();
  cmd->add_option("--traces", a->traces, "SFT JSONL of the kept traces (default OUT.traces.jsonl)");
  add_reject_flags(cmd, a->reject);
  add_train_flags(cmd, a->train, "--data-seed");
  a->train.model_flag = "--student";
  cmd->get_option("--resume")
      ->description("refused: resume the SFT stage with `r1 sft --resume --data OUT.traces.jsonl`");
  cmd->add_flag("-q,--quiet", a->train.quiet, "no progress bars");
  add_threads_flag(cmd, a->train.threads);
  cmd->callback([cmd, a, &world] { run(*cmd, *a, world); });
}

}  // namespace r1::cli
