// `r1 reject`: rejection sampling. k samples per problem from a model, the verified and well
// formatted ones kept (distinct, at most m per problem) and written as SFT JSONL for `r1 sft`.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/reject_flags.h"
#include "cli/sampling_flags.h"
#include "train/run_output.h"

namespace r1::cli {

namespace {

struct RejectCommandArgs {
  std::string model, out;
  RejectArgs reject;
  int threads = 0;
  bool json = false, quiet = false, overwrite = false;
};

void run(const RejectCommandArgs& a, Comm& world) {
  if (!a.overwrite && world.is_root()) refuse_existing_output("--out", a.out, kOverwriteRemedy);
  apply_threads(a.threads);
  const RejectionRun r =
      run_rejection(world, a.reject, a.model, a.out, !a.quiet && !a.json && world.is_root());
  if (!world.is_root()) return;
  if (a.json)
    std::printf("%s\n", rejection_run_json(r, a.out).dump().c_str());
  else
    print_rejection(r, a.out);
}

}  // namespace

void add_reject(CLI::App& app, Comm& world) {
  auto a = std::make_shared<RejectCommandArgs>();
  CLI::App* cmd = app.add_subcommand(
      "reject",
      "Rejection sampling: k samples per problem, the verified ones kept as SFT JSONL "
      "(prompt-completion records for --template r1-zero, chat records for r1)");
  cmd->add_option("--model", a->model, "checkpoint directory or .gguf file")->required();
  add_reject_flags(cmd, a->reject);
  cmd->add_option("--out", a->out, "SFT JSONL to write (atomically)")->required();
  cmd->add_flag("--overwrite", a->overwrite,
                "replace an existing --out file (refused without it when it is not empty)");
  add_threads_flag(cmd, a->threads);
  cmd->add_flag("--json", a->json,
                "print one JSON object: problems, problems_kept, sampled, kept, pass@1, out");
  cmd->add_flag("-q,--quiet", a->quiet, "no progress bar");
  cmd->callback([a, &world] { run(*a, world); });
}

}  // namespace r1::cli
