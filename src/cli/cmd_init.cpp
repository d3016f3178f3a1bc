// `r1 init`: writes a random-weight checkpoint in the Hugging Face layout from a preset or a
// config.json, in f32, bf16 or fp8, optionally sharded, with tokenizer files copied in.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "checkpoint/config_json.h"
#include "checkpoint/presets.h"
#include "checkpoint/random_init.h"
#include "checkpoint/vocab_checks.h"
#include "cli/commands.h"
#include "core/error.h"
#include "infer/generator.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_files.h"
#include "train/run_output.h"

namespace fs = std::filesystem;

namespace r1::cli {

namespace {

struct InitArgs {
  std::string config_path, preset, out, dtype = "bf16", tokenizer;
  int shards = 1;
  uint64_t seed = 0;
  bool overwrite = false;
};

void copy_tokenizer_from(const std::string& from, const std::string& to) {
  const int copied = copy_tokenizer_files(from, to);
  std::printf("copied %d tokenizer file(s) from %s\n", copied, from.c_str());
}

int64_t physical_memory_bytes() {
  return int64_t(sysconf(_SC_PHYS_PAGES)) * int64_t(sysconf(_SC_PAGE_SIZE));
}

void run_init(const InitArgs& a) {
  if (a.config_path.empty() == a.preset.empty())
    throw UsageError("give exactly one of --config FILE.json or --preset NAME");
  const CheckpointDType dtype = checkpoint_dtype_from_name(a.dtype);
  ModelConfig c;
  bool size_math_only = false;
  if (!a.preset.empty()) {
    const Preset& p = find_preset(a.preset);
    c = p.config;
    size_math_only = p.size_math_only;
  } else {
    c = load_model_config(a.config_path);
  }
  c.fp8 = dtype == CheckpointDType::FP8;
  if (a.shards < 1 || a.shards > 10000)
    throw UsageError("--shards must be in [1, 10000], got " + std::to_string(a.shards));

  if (!a.tokenizer.empty()) {
    if (!fs::exists(fs::path(a.tokenizer) / "tokenizer.json"))
      throw IoError(a.tokenizer + ": --tokenizer directory has no tokenizer.json");
    check_tokenizer_fits_model("--tokenizer " + a.tokenizer, Tokenizer::load(a.tokenizer),
                               c.vocab_size);
  }
  if (a.overwrite)
    remove_replaced_model_dir(a.out);
  else
    refuse_existing_output("--out", a.out, kOverwriteRemedy);
  std::error_code ec;
  fs::create_directories(a.out, ec);
  if (ec) throw IoError(a.out + ": cannot create directory: " + ec.message());
  Json j = model_config_to_json(c);
  j["torch_dtype"] = dtype == CheckpointDType::F32   ? "float32"
                     : dtype == CheckpointDType::F16 ? "float16"
                                                     : "bfloat16";
  const int64_t bytes = checkpoint_bytes(c, dtype);
  if (size_math_only || bytes > physical_memory_bytes() / 2) {
    write_text_file_atomic(a.out + "/config.json", j.dump(2) + "\n");
    std::printf(
        "wrote %s/config.json only: the weights would take %.1f GB (size math only; "
        "see `r1 info --model %s`)\n",
        a.out.c_str(), double(bytes) / 1e9, a.out.c_str());
    return;
  }
  auto tensors = random_checkpoint_tensors(c, dtype, a.seed);
  write_safetensors_dir(a.out, tensors, a.shards);
  write_text_file_atomic(a.out + "/config.json", j.dump(2) + "\n");
  if (!a.tokenizer.empty()) copy_tokenizer_from(a.tokenizer, a.out);
  std::printf("wrote %s: %s, %zu tensors, %.2f MB, dtype %s, %d shard(s), seed %llu\n",
              a.out.c_str(), arch_name(c.arch), tensors.size(), double(bytes) / 1e6,
              a.dtype.c_str(), a.shards, static_cast<unsigned long long>(a.seed));
}

}  // namespace

void add_init(CLI::App& app) {
  auto args = std::make_shared<InitArgs>();
  CLI::App* cmd = app.add_subcommand("init", "Write a random-weight checkpoint (HF layout)");
  cmd->add_option("--config", args->config_path, "config.json to instantiate");
  std::string preset_help = "preset name:";
  for (const Preset& p : presets()) preset_help += "\n  " + p.name + ": " + p.description;
  cmd->add_option("--preset", args->preset, preset_help);
  cmd->add_option("--out", args->out, "output directory")->required();
  cmd->add_option("--dtype", args->dtype, "f32 | f16 | bf16 | fp8 (default bf16)");
  cmd->add_option("--shards", args->shards, "number of safetensors shards (default 1)");
  cmd->add_option("--seed", args->seed, "random seed (default 0)");
  cmd->add_option("--tokenizer", args->tokenizer, "directory whose tokenizer files to copy");
  cmd->add_flag("--overwrite", args->overwrite,
                "replace what --out holds (refused without it when it is not empty)");
  cmd->callback([args] { run_init(*args); });
}

}  // namespace r1::cli
