// What an output path holds and the refusal to replace it unasked.
#include "train/run_output.h"

#include <filesystem>
#include <iterator>

#include "core/error.h"
#include "io/json_file.h"
#include "train/checkpoint.h"

namespace r1 {

namespace fs = std::filesystem;

namespace {

bool holds_checkpoint(const std::string& dir) {
  return fs::exists(fs::path(dir) / "trainer_state.json");
}

// "a checkpoint at step N", from DIR/trainer_state.json (which exists).
std::string describe_checkpoint(const std::string& dir) {
  try {
    const Json state = read_json_file((fs::path(dir) / "trainer_state.json").string());
    if (state.contains("step") && state["step"].is_number_integer())
      return "a checkpoint at step " + std::to_string(state["step"].get<int64_t>());
  } catch (const Error&) {
    // An unreadable state still marks a checkpoint; --resume reports what is wrong with it.
  }
  return "a checkpoint";
}

}  // namespace

OutputMode output_mode(bool resume, bool overwrite) {
  if (resume && overwrite)
    throw UsageError("--resume and --overwrite exclude each other: --resume continues the run "
                     "in --out, --overwrite starts it over");
  return resume ? OutputMode::Resume : overwrite ? OutputMode::Overwrite : OutputMode::Fresh;
}

std::string describe_existing_output(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) {
    if (holds_checkpoint(path)) return describe_checkpoint(path);
    if (fs::exists(fs::path(path) / "config.json")) return "a model directory";
    const auto entries = std::distance(fs::directory_iterator(path, ec), fs::directory_iterator());
    if (entries > 0)
      return "a directory of " + std::to_string(entries) + (entries == 1 ? " entry" : " entries");
  } else if (fs::exists(st)) {
    const auto bytes = fs::file_size(path, ec);
    if (ec || bytes > 0) return "a file of " + std::to_string(ec ? 0 : bytes) + " bytes";
  }
  const std::string prev = checkpoint_dir_to_load(path);
  if (prev.ends_with(".prev") && holds_checkpoint(prev))
    return describe_checkpoint(prev) + " (in " + prev + ", left by an interrupted save)";
  return "";
}

void refuse_existing_output(const std::string& flag, const std::string& path,
                            const std::string& remedy) {
  const std::string what = describe_existing_output(path);
  if (!what.empty()) throw UsageError(flag + " " + path + " already holds " + what + "; " + remedy);
}

void check_run_output(const std::string& out, const std::string& metrics, OutputMode mode,
                      bool resumable) {
  if (mode == OutputMode::Fresh) {
    const std::string remedy =
        resumable ? kResumeOrOverwriteRemedy : "pass --overwrite to start over (replacing it)";
    refuse_existing_output("--out", out, remedy);
    refuse_existing_output("--metrics", metrics, remedy);
  } else if (mode == OutputMode::Resume && !holds_checkpoint(checkpoint_dir_to_load(out))) {
    throw UsageError("--resume: --out " + out + " holds no checkpoint to continue (no " +
                     (fs::path(out) / "trainer_state.json").string() +
                     "); leave out --resume to start a new run");
  }
}

void remove_old_checkpoint(const std::string& out) {
  std::string base = out;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  for (const std::string& dir : {base, base + ".prev"}) {
    if (!holds_checkpoint(dir)) continue;
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) throw IoError(dir + ": cannot remove the checkpoint being overwritten: " + ec.message());
  }
}

void remove_replaced_model_dir(const std::string& path) {
  const fs::path dir(path);
  if (!fs::exists(dir / "config.json") && !holds_checkpoint(path)) return;
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) throw IoError(path + ": cannot remove the model being overwritten: " + ec.message());
}

}  // namespace r1
