// Training checkpoints: a Hugging Face model directory (config.json, model.safetensors in f32,
// the tokenizer files) plus the optimizer moments and the trainer state needed to resume
// bit-identically. A save is atomic as a whole: the last good checkpoint survives a kill -9 at
// any moment of the next save.
#pragma once

#include <cstdint>
#include <string>

#include "io/json_file.h"
#include "model/config.h"
#include "model/param_layout.h"
#include "train/adamw.h"
#include "train/trainer_state.h"

namespace r1 {

struct CheckpointFiles {
  const ModelConfig* config = nullptr;
  const ParamLayout* layout = nullptr;
  const float* params = nullptr;  // [layout.total()]
  const AdamWState* optimizer = nullptr;
  const TrainerState* state = nullptr;
  std::string tokenizer_source;      // the model directory or GGUF file whose tokenizer files
                                     // are written (write_tokenizer_files); "" none
  const float* reference = nullptr;  // [layout.total()] GRPO's KL reference policy, saved as
                                     // reference.safetensors; null: none
};

// Writes the checkpoint into a sibling DIR.tmp-<pid>, fsyncs it, then swaps it with DIR in
// one atomic rename (renameat2 RENAME_EXCHANGE; where the filesystem lacks it, DIR is first
// renamed to DIR.prev, which load_checkpoint falls back to) and removes the old copy.
// IoError naming the path on failure; DIR is then unchanged.
void save_checkpoint(const std::string& dir, const CheckpointFiles& files);

struct LoadedCheckpoint {
  std::string dir;  // where it was read from (DIR, or DIR.prev after an interrupted save)
  ModelConfig config;
  Tensor params;  // [ParamLayout(config).total()]
  AdamWState optimizer;
  TrainerState state;
  Tensor reference;  // [ParamLayout(config).total()] from reference.safetensors; empty if none
};

// The directory a checkpoint in DIR is read from: DIR, or DIR.prev when a save was interrupted
// between its two renames (only DIR.prev holds trainer_state.json).
std::string checkpoint_dir_to_load(const std::string& dir);

// Restores what save_checkpoint wrote, f32 bits exactly. IoError / FormatError / ConfigError
// naming the file when something is missing or inconsistent (e.g. a plain model directory
// without trainer_state.json).
LoadedCheckpoint load_checkpoint(const std::string& dir);

}  // namespace r1
