// A model as a user names it on the command line: a checkpoint directory (config.json,
// safetensors, tokenizer files, chat template) or a GGUF file (metadata, tensors, embedded
// vocabulary and template), opened once with its vocabulary checks run. Every command opens
// its model through it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/model.h"
#include "model/param_layout.h"
#include "model/tensor_source.h"
#include "chat/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

class ModelDir {
 public:
  // `path`: a checkpoint directory or a .gguf file (llama.cpp's deepseek2, qwen2 or llama).
  // Opens the config and tensors (a directory whose config counts MTP layers its tensors lack
  // loads without them, with a note), the tokenizer (tokenizer.json, or the GGUF vocabulary)
  // and the chat template (tokenizer_config.json, or tokenizer.chat_template) where present,
  // and the stop ids; then checks that the tokenizer's ids, the BOS/EOS ids and the template's
  // special tokens fit the model's vocabulary. Throws r1::Error naming what is wrong.
  static ModelDir open(const std::string& path);
  // Only the config and tensors, no tokenizer, template or checks: a training checkpoint being
  // resumed (its tokenizer files are copied as they are, not read).
  static ModelDir open_weights(const std::string& path);
  // Only the tokenizer, the chat template and the stop ids, each where present: `path` may be
  // a directory without weights (tokenizer.json, tokenizer_config.json), the path of its
  // tokenizer_config.json, or a GGUF file (`r1 template`, `r1 data tokenize`).
  static ModelDir open_text(const std::string& path);

  const std::string& path() const { return path_; }
  bool is_gguf() const { return gguf_; }
  const ModelConfig& config() const;
  const TensorSource& tensors() const;
  // llama.cpp's rope_freqs of a GGUF file (Llama-3 rope scaling); empty when none.
  const std::vector<float>& rope_freq_factors() const { return rope_freq_factors_; }

  // nullptr when the model has none.
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }
  // UsageError "<path> has no tokenizer (tokenizer.json or GGUF vocabulary): <why>".
  const Tokenizer& require_tokenizer(const std::string& why) const;
  std::shared_ptr<const Tokenizer> shared_tokenizer() const { return tokenizer_; }
  // nullptr when the directory has no tokenizer_config.json; may hold no template itself
  // (has_template()), as a tokenizer_config.json without chat_template.
  const ChatTemplate* chat_template() const { return chat_ ? &*chat_ : nullptr; }
  // FormatError "<path>: the model has no chat template ..." unless it has one.
  const ChatTemplate& require_chat_template() const;
  // End-of-sequence ids (see model_stop_ids).
  const std::vector<int32_t>& stop_ids() const { return stop_ids_; }
  // The token that ends a document or a completion: the template's eos_token (from
  // tokenizer_config.json or the GGUF), else the first stop id. UsageError naming the model
  // when it has neither.
  int32_t eos_id() const;

  // The model for inference over the stored tensors (sharing the mapping with this object);
  // a pipeline stage's part of it (Model::from_source).
  std::unique_ptr<Model> load_model(const ModelPart& part = {},
                                    std::shared_ptr<LaterStages> later = nullptr) const;
  // Every tensor of `layout` as f32 into params [layout.total()] (load_params_from: GGUF
  // quantised types dequantised with a note, split kv_b joined). FormatError for a GGUF with
  // rope_freqs (Llama-3 rope scaling), which the training config cannot express. A GGUF
  // without a vocabulary gets a note: no tokenizer files can be written from it.
  void load_params(const ParamLayout& layout, float* params) const;
  // The tokenizer files for a checkpoint written from this model (write_tokenizer_files).
  int write_tokenizer_files(const std::string& to_dir) const;

 private:
  void open_text_parts();
  void drop_absent_mtp_layers();
  void check_vocabulary() const;

  std::string path_;
  bool gguf_ = false;
  bool has_weights_ = false;
  ModelConfig config_;
  std::shared_ptr<const TensorSource> tensors_;
  std::vector<float> rope_freq_factors_;  // GGUF rope_freqs; empty when none
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::optional<ChatTemplate> chat_;
  std::vector<int32_t> stop_ids_;
};

}  // namespace r1
