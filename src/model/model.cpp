// The forward pass of every supported architecture as one straight list of block calls:
// embed -> decoder layers -> final norm -> head; and the MTP module on top of it.
#include "model/model.h"

#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linear.h"
#include "model/decoder_block.h"
#include "model/weight_specs.h"

namespace r1 {

std::unique_ptr<Model> Model::load(const std::string& dir) {
  auto m = std::make_unique<Model>();
  m->dir_ = dir;
  m->config_ = load_model_config(dir + "/config.json");
  m->store_ = WeightStore::open_dir(dir);
  m->drop_absent_mtp_layers();
  m->weights_ = load_weights(m->config_, m->store_);
  const ModelConfig& c = m->config_;
  m->rope_ = rope_freqs(c.rope, c.is_deepseek() ? c.qk_rope_head_dim : c.head_dim);
  return m;
}

// Many re-published DeepSeek-V3/R1 checkpoints keep num_nextn_predict_layers in config.json but
// leave the MTP layer's tensors out; such a model is complete without them.
void Model::drop_absent_mtp_layers() {
  ModelConfig& c = config_;
  if (!c.is_deepseek() || c.num_nextn_predict_layers == 0) return;
  const std::string prefix = layer_prefix(c.num_hidden_layers);
  for (const std::string& name : store_.names())
    if (name.rfind(prefix, 0) == 0) return;  // present: load_weights validates it fully
  log_note(dir_ + ": config.json has num_nextn_predict_layers " +
           std::to_string(c.num_nextn_predict_layers) +
           " but the checkpoint has no MTP tensors; loading without MTP");
  c.num_nextn_predict_layers = 0;
}

void Model::check_tokens(const std::vector<int32_t>& tokens) const {
  if (tokens.empty()) throw Error("no input tokens given");
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= config_.vocab_size)
      throw Error("token id " + std::to_string(tokens[i]) + " at position " + std::to_string(i) +
                  " is out of range [0, " + std::to_string(config_.vocab_size) + ") of " + dir_);
}

Tensor Model::forward(const std::vector<int32_t>& tokens, int64_t pos0, KvCache* cache,
                      Tensor* hidden) const {
  check_tokens(tokens);
  const ModelConfig& c = config_;
  const int64_t T = int64_t(tokens.size()), D = c.hidden_size, V = c.vocab_size;
  if (cache && pos0 + T > cache->capacity)
    throw Error("context full: " + std::to_string(pos0 + T) + " tokens exceed the cache size " +
                std::to_string(cache->capacity));

  Tensor x = Tensor::zeros(DType::F32, {T, D});  // [T, D] residual stream
  embedding_rows(weights_.embed, tokens.data(), T, x.f32());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i)
    decoder_block_forward(c, weights_.layers[size_t(i)], rope_, x.f32(), T, pos0,
                          cache ? &cache->layers[size_t(i)] : nullptr);
  if (hidden) {
    *hidden = Tensor::zeros(DType::F32, {T, D});
    std::copy_n(x.f32(), T * D, hidden->f32());
  }
  rmsnorm(x.f32(), weights_.final_norm.f32(), x.f32(), T, D, float(c.rms_norm_eps));
  Tensor logits = Tensor::zeros(DType::F32, {T, V});  // [T, V]
  linear(x.f32(), T, weights_.lm_head, nullptr, logits.f32());
  if (cache) cache->length = pos0 + T;
  return logits;
}

Tensor Model::mtp_logits(const std::vector<int32_t>& tokens, const Tensor& hidden) const {
  check_tokens(tokens);
  if (weights_.mtp.empty()) throw Error(dir_ + ": the checkpoint has no MTP layer");
  const ModelConfig& c = config_;
  const MtpWeights& m = weights_.mtp[0];
  const int64_t T = int64_t(tokens.size()) - 1, D = c.hidden_size, V = c.vocab_size;
  if (T < 1) throw Error("MTP logits need at least 2 tokens");
  const float eps = float(c.rms_norm_eps);

  Tensor both = Tensor::zeros(DType::F32, {T, 2 * D});  // [T, 2D] = (enorm(emb t+1) | hnorm(h))
  std::vector<float> row(static_cast<size_t>(D));
  for (int64_t i = 0; i < T; ++i) {
    float* dst = both.f32() + i * 2 * D;
    embedding_rows(m.embed, &tokens[size_t(i + 1)], 1, row.data());
    rmsnorm(row.data(), m.enorm.f32(), dst, 1, D, eps);
    rmsnorm(hidden.f32() + i * D, m.hnorm.f32(), dst + D, 1, D, eps);
  }
  Tensor x = Tensor::zeros(DType::F32, {T, D});  // [T, D]
  linear(both.f32(), T, m.eh_proj.weight, m.eh_proj.bias_ptr(), x.f32());
  decoder_block_forward(c, m.block, rope_, x.f32(), T, 0, nullptr);
  rmsnorm(x.f32(), m.head_norm.f32(), x.f32(), T, D, eps);
  Tensor logits = Tensor::zeros(DType::F32, {T, V});  // [T, V]
  linear(x.f32(), T, m.head, nullptr, logits.f32());
  return logits;
}

}  // namespace r1
