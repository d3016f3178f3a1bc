// The rule every command that writes a training run or a model to --out follows: what is there
// is never replaced silently. A run is continued (--resume) or started over (--overwrite) only
// when asked; other outputs (a model, a GGUF, a traces file) are replaced only with --overwrite.
#pragma once

#include <string>

namespace r1 {

enum class OutputMode { Fresh, Resume, Overwrite };

// The mode of the two flags; UsageError when both are given.
OutputMode output_mode(bool resume, bool overwrite);

// What `path` holds, for messages: "" when it does not exist, is an empty directory or an empty
// file; else "a checkpoint at step 40", "a model directory", "a directory of 3 entries" or "a
// file of 120 bytes". A checkpoint left only in PATH.prev by an interrupted save counts too.
std::string describe_existing_output(const std::string& path);

// UsageError "<flag> <path> already holds <what>; <remedy>" when describe_existing_output(path)
// is not "". remedy: e.g. kOverwriteRemedy.
void refuse_existing_output(const std::string& flag, const std::string& path,
                            const std::string& remedy);

inline constexpr const char* kOverwriteRemedy = "pass --overwrite to replace it";
inline constexpr const char* kResumeOrOverwriteRemedy =
    "pass --resume to continue it or --overwrite to start over (replacing it)";

// The checks of a training run saving checkpoints to `out` and metrics to `metrics`, before
// anything is written. Fresh: neither may hold anything (the remedy names --resume only when
// `resumable`); Resume: `out` must hold a checkpoint (UsageError naming OUT/trainer_state.json
// otherwise); Overwrite: anything may be there.
void check_run_output(const std::string& out, const std::string& metrics, OutputMode mode,
                      bool resumable = true);

// A run that starts over (Fresh or Overwrite): removes an earlier run's checkpoint from `out`
// (and OUT.prev), so that a crash before the first save never leaves the old checkpoint beside
// the new run's metrics. Anything in `out` that is not a checkpoint is left to the first save,
// which replaces the directory whole.
void remove_old_checkpoint(const std::string& out);

// A model directory being replaced (`r1 init` / `r1 convert` with --overwrite): removes `path`
// when it holds config.json or trainer_state.json, so that no stale shard, optimizer state or
// tokenizer file of the old model stays beside the new one. Any other directory is left alone.
void remove_replaced_model_dir(const std::string& path);

}  // namespace r1
