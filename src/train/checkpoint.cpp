// Checkpoint save/load: the files of one checkpoint written into a temporary sibling directory,
// then swapped into place, so a reader only ever sees a complete checkpoint.
#include "train/checkpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "checkpoint/config_json.h"
#include "checkpoint/model_dir.h"
#include "checkpoint/tokenizer_export.h"
#include "core/error.h"
#include "io/file_io.h"
#include "io/safetensors.h"

namespace r1 {

namespace fs = std::filesystem;

namespace {

// Files a training run carries over from the model it started from, so that the checkpoint is
// a complete model directory for `r1 generate` and other tools.
std::string errno_text() {
  return std::strerror(errno);
}

void fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) throw IoError(path + ": cannot open directory to fsync: " + errno_text());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw IoError(path + ": cannot fsync directory: " + errno_text());
}

void rename_or_throw(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw IoError(to + ": cannot rename " + from + " into place: " + errno_text());
}

std::vector<std::pair<std::string, Tensor>> moment_tensors(const ParamLayout& layout,
                                                           const AdamWState& opt) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const char* kind : {"exp_avg", "exp_avg_sq"}) {
    const Tensor& buf = std::strcmp(kind, "exp_avg") == 0 ? opt.exp_avg : opt.exp_avg_sq;
    for (const ParamEntry& e : layout.entries())
      if (e.trainable)
        out.emplace_back(std::string(kind) + "." + e.name,
                         Tensor::view(DType::F32, e.shape, buf.f32() + e.offset, nullptr));
  }
  return out;
}

void write_contents(const std::string& tmp, const CheckpointFiles& f) {
  write_text_file_atomic(tmp + "/config.json", model_config_to_json(*f.config).dump(2) + "\n");
  write_safetensors(tmp + "/model.safetensors", param_tensors(*f.layout, f.params));
  write_safetensors(tmp + "/optimizer.safetensors", moment_tensors(*f.layout, *f.optimizer),
                    {{"step", std::to_string(f.optimizer->step)}});
  if (f.reference)
    write_safetensors(tmp + "/reference.safetensors", param_tensors(*f.layout, f.reference));
  if (!f.tokenizer_source.empty()) write_tokenizer_files(f.tokenizer_source, tmp);
  // Last: its presence marks a complete training checkpoint.
  write_text_file_atomic(tmp + "/trainer_state.json",
                         trainer_state_to_json(*f.state).dump(2) + "\n");
  fsync_path(tmp);
}

// Puts the complete directory `tmp` at `dir`, keeping the old `dir` until the new one is there.
void swap_into_place(const std::string& tmp, const std::string& dir) {
  const std::string prev = dir + ".prev";
  const std::string parent =
      fs::path(dir).parent_path().empty() ? "." : fs::path(dir).parent_path().string();
  if (!fs::exists(dir)) {
    rename_or_throw(tmp, dir);
  } else if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) {
    fsync_path(parent);  // the swap is durable before the old copy goes
    fs::remove_all(tmp);
  } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
    // No atomic exchange here: between these renames DIR.prev is the last good checkpoint.
    fs::remove_all(prev);
    rename_or_throw(dir, prev);
    fsync_path(parent);
    rename_or_throw(tmp, dir);
  } else {
    throw IoError(dir + ": cannot swap in " + tmp + ": " + errno_text());
  }
  fsync_path(parent);
  std::error_code ec;
  fs::remove_all(prev, ec);  // a leftover of an earlier interrupted save
}

// Removes DIR.tmp-<pid> directories of saves whose process is gone (killed mid-save), so that
// repeated crashes do not pile up partial checkpoints; a live process's save is left alone.
void remove_stale_temps(const std::string& dir) {
  const fs::path p(dir);
  const fs::path parent = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string prefix = p.filename().string() + ".tmp-";
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    if (pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
  }
}

std::string strip_trailing_slashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

void save_checkpoint(const std::string& dir_arg, const CheckpointFiles& files) {
  R1_ASSERT(files.config && files.layout && files.params && files.optimizer && files.state);
  const std::string dir = strip_trailing_slashes(dir_arg);
  const std::string tmp = dir + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  remove_stale_temps(dir);
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp, ec) || ec)
    throw IoError(tmp + ": cannot create checkpoint directory: " + ec.message());
  try {
    write_contents(tmp, files);
    swap_into_place(tmp, dir);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

namespace {

void load_moments(const std::string& path, const ParamLayout& layout, AdamWState& opt) {
  const SafetensorsFile f = SafetensorsFile::open(path);
  for (const char* kind : {"exp_avg", "exp_avg_sq"}) {
    Tensor& buf = std::strcmp(kind, "exp_avg") == 0 ? opt.exp_avg : opt.exp_avg_sq;
    for (const ParamEntry& e : layout.entries()) {
      if (!e.trainable) continue;
      const std::string name = std::string(kind) + "." + e.name;
      if (!f.has(name)) throw FormatError(path + ": missing tensor '" + name + "'");
      const Tensor t = f.get(name);
      if (t.dtype != DType::F32 || t.shape != e.shape)
        throw FormatError(path + ": tensor '" + name + "' is " + dtype_name(t.dtype) + " " +
                          shape_str(t.shape) + ", expected F32 " + shape_str(e.shape));
      std::memcpy(buf.f32() + e.offset, t.data, sizeof(float) * size_t(e.numel));
    }
  }
  const auto it = f.metadata().find("step");
  if (it == f.metadata().end()) throw FormatError(path + ": no 'step' in __metadata__");
  try {
    opt.step = std::stoll(it->second);
  } catch (const std::exception&) {
    throw FormatError(path + ": __metadata__ step " + quote_untrusted(it->second) +
                      " is not an integer");
  }
}

// Every tensor of the layout from `path`, f32 as save_checkpoint wrote it.
Tensor load_reference(const std::string& path, const ParamLayout& layout) {
  Tensor out = make_param_buffer(layout);
  const SafetensorsFile f = SafetensorsFile::open(path);
  for (const ParamEntry& e : layout.entries()) {
    if (!f.has(e.name)) throw FormatError(path + ": missing tensor '" + e.name + "'");
    const Tensor t = f.get(e.name);
    if (t.dtype != DType::F32 || t.shape != e.shape)
      throw FormatError(path + ": tensor '" + e.name + "' is " + dtype_name(t.dtype) + " " +
                        shape_str(t.shape) + ", expected F32 " + shape_str(e.shape));
    std::memcpy(out.f32() + e.offset, t.data, sizeof(float) * size_t(e.numel));
  }
  return out;
}

}  // namespace

std::string checkpoint_dir_to_load(const std::string& dir_arg) {
  const std::string dir = strip_trailing_slashes(dir_arg);
  if (!fs::exists(dir + "/trainer_state.json") && fs::exists(dir + ".prev/trainer_state.json"))
    return dir + ".prev";
  return dir;
}

LoadedCheckpoint load_checkpoint(const std::string& dir_arg) {
  LoadedCheckpoint c;
  c.dir = checkpoint_dir_to_load(dir_arg);
  const std::string state_path = c.dir + "/trainer_state.json";
  if (!fs::exists(state_path))
    throw IoError(c.dir + ": not a training checkpoint (no trainer_state.json)");
  c.state = trainer_state_from_json(read_json_file(state_path), state_path);
  const ModelDir weights = ModelDir::open_weights(c.dir);
  c.config = weights.config();
  const ParamLayout layout(c.config);
  c.params = make_param_buffer(layout);
  weights.load_params(layout, c.params.f32());
  c.optimizer = make_adamw_state(layout);
  load_moments(c.dir + "/optimizer.safetensors", layout, c.optimizer);
  if (fs::exists(c.dir + "/reference.safetensors"))
    c.reference = load_reference(c.dir + "/reference.safetensors", layout);
  return c;
}

}  // namespace r1
