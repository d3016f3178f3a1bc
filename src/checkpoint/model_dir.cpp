// Opening a model directory or GGUF file: config, tensors, tokenizer, template, stop ids, and
// the checks that they agree.
#include "checkpoint/model_dir.h"

#include <filesystem>

#include "checkpoint/config_json.h"
#include "checkpoint/gguf_model.h"
#include "checkpoint/param_load.h"
#include "checkpoint/safetensors_source.h"
#include "checkpoint/special_ids.h"
#include "checkpoint/tokenizer_export.h"
#include "checkpoint/vocab_checks.h"
#include "core/error.h"
#include "core/log.h"
#include "io/gguf_model_file.h"
#include "model/weight_specs.h"
#include "tokenizer/gguf_vocab.h"

namespace r1 {

namespace fs = std::filesystem;

namespace {

// The tensors of a ModelDir seen by a Model: the mapping stays alive while either holds it.
class SharedSource : public TensorSource {
 public:
  explicit SharedSource(std::shared_ptr<const TensorSource> s) : s_(std::move(s)) {}
  bool has(const std::string& name) const override { return s_->has(name); }
  Tensor get(const std::string& name) const override { return s_->get(name); }
  TensorInfo info(const std::string& name) const override { return s_->info(name); }
  std::string where(const std::string& name) const override { return s_->where(name); }
  std::vector<std::string> names() const override { return s_->names(); }
  const std::string& path() const override { return s_->path(); }

 private:
  std::shared_ptr<const TensorSource> s_;
};

}  // namespace

ModelDir ModelDir::open(const std::string& path) {
  ModelDir d = open_weights(path);
  d.open_text_parts();
  d.check_vocabulary();
  d.stop_ids_ = model_stop_ids(path, d.tokenizer_.get());
  return d;
}

ModelDir ModelDir::open_weights(const std::string& path) {
  ModelDir d;
  d.path_ = path;
  d.gguf_ = is_gguf_path(path);
  if (d.gguf_) {
    GgufModel g = open_gguf_model(path);
    d.config_ = g.config;
    d.tensors_ = std::move(g.tensors);
    d.rope_freq_factors_ = std::move(g.rope_freq_factors);
  } else {
    d.config_ = load_model_config((fs::path(path) / "config.json").string());
    d.tensors_ = std::make_shared<SafetensorsSource>(WeightStore::open_dir(path));
    d.drop_absent_mtp_layers();
  }
  d.has_weights_ = true;
  return d;
}

ModelDir ModelDir::open_text(const std::string& path) {
  ModelDir d;
  d.path_ = path;
  d.gguf_ = is_gguf_path(path);
  d.open_text_parts();
  d.check_vocabulary();
  d.stop_ids_ = model_stop_ids(path, d.tokenizer_.get());
  return d;
}

void ModelDir::open_text_parts() {
  if (gguf_) {
    if (gguf_has_vocab(GgufFile::open(path_)))
      tokenizer_ = std::make_shared<const Tokenizer>(Tokenizer::load(path_));
    chat_ = ChatTemplate::load(path_);
    return;
  }
  // A directory, or the path of its tokenizer_config.json.
  const bool is_dir = fs::is_directory(path_);
  const fs::path dir = is_dir ? fs::path(path_) : fs::path(path_).parent_path();
  if (fs::exists(dir / "tokenizer.json"))
    tokenizer_ = std::make_shared<const Tokenizer>(Tokenizer::load(dir.string()));
  if (!is_dir || fs::exists(dir / "tokenizer_config.json")) chat_ = ChatTemplate::load(path_);
}

// Many re-published DeepSeek-V3/R1 checkpoints keep num_nextn_predict_layers in config.json but
// leave the MTP layer's tensors out; such a model is complete without them.
void ModelDir::drop_absent_mtp_layers() {
  ModelConfig& c = config_;
  if (!c.is_deepseek() || c.num_nextn_predict_layers == 0) return;
  const std::string prefix = layer_prefix(c.num_hidden_layers);
  for (const std::string& name : tensors_->names())
    if (name.rfind(prefix, 0) == 0) return;  // present: load_weights validates it fully
  log_note(path_ + ": config.json has num_nextn_predict_layers " +
           std::to_string(c.num_nextn_predict_layers) +
           " but the checkpoint has no MTP tensors; loading without MTP");
  c.num_nextn_predict_layers = 0;
}

void ModelDir::check_vocabulary() const {
  const bool is_dir = fs::is_directory(path_);
  const fs::path dir = is_dir ? fs::path(path_) : fs::path(path_).parent_path();
  const std::string tokenizer_file = gguf_ ? path_ : (dir / "tokenizer.json").string();
  if (has_weights_) {
    if (tokenizer_) check_tokenizer_fits_model(path_, *tokenizer_, config_.vocab_size);
    check_special_ids_fit_model(declared_special_ids(path_), config_.vocab_size);
  }
  if (tokenizer_ && chat_) {
    const std::string template_file =
        gguf_ || !is_dir ? path_ : (dir / "tokenizer_config.json").string();
    check_template_tokens_in_vocab(*chat_, template_file, *tokenizer_, tokenizer_file);
  }
}

const ModelConfig& ModelDir::config() const {
  R1_ASSERT_MSG(has_weights_, "ModelDir::config: opened with open_text");
  return config_;
}

const TensorSource& ModelDir::tensors() const {
  R1_ASSERT_MSG(has_weights_, "ModelDir::tensors: opened with open_text");
  return *tensors_;
}

const Tokenizer& ModelDir::require_tokenizer(const std::string& why) const {
  if (!tokenizer_)
    throw UsageError(path_ + " has no tokenizer (tokenizer.json or GGUF vocabulary): " + why);
  return *tokenizer_;
}

const ChatTemplate& ModelDir::require_chat_template() const {
  if (!chat_ || !chat_->has_template())
    throw FormatError(path_ + ": the model has no chat template (" +
                      (gguf_   ? "no tokenizer.chat_template key"
                       : chat_ ? "tokenizer_config.json has no chat_template"
                               : "no tokenizer_config.json") +
                      ")");
  return *chat_;
}

std::unique_ptr<Model> ModelDir::load_model(const ModelPart& part,
                                            std::shared_ptr<LaterStages> later) const {
  return Model::from_source(path_, config(), std::make_unique<SharedSource>(tensors_),
                            rope_freq_factors_, part, std::move(later));
}

void ModelDir::load_params(const ParamLayout& layout, float* params) const {
  if (!rope_freq_factors_.empty())
    throw FormatError(path_ +
                      ": has rope_freqs (llama.cpp's Llama-3 rope scaling), which a training "
                      "checkpoint's config.json cannot express; train from the Hugging Face "
                      "checkpoint directory instead");
  load_params_from(layout, tensors(), params);
  if (gguf_ && !tokenizer_)
    log_note(path_ +
             " has no vocabulary (tokenizer.ggml.*): checkpoints trained from it get no "
             "tokenizer files");
}

int32_t ModelDir::eos_id() const {
  if (tokenizer_ && chat_) {
    const int32_t id = tokenizer_->token_to_id(chat_->eos_token());
    if (id >= 0) return id;
  }
  if (stop_ids_.empty())
    throw UsageError(path_ +
                     ": no EOS token (tokenizer_config.json eos_token or config.json "
                     "eos_token_id) to end each document with");
  return stop_ids_.front();
}

int ModelDir::write_tokenizer_files(const std::string& to_dir) const {
  return r1::write_tokenizer_files(path_, to_dir);
}

}  // namespace r1
