// Weight loading: validates the checkpoint against weight_specs and builds the block structs.
#include "model/weights.h"

#include <map>
#include <string>

#include "core/error.h"
#include "core/mapped_file.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/gemv.h"
#include "model/param_source.h"
#include "model/weight_specs.h"

namespace r1 {

namespace {

// f32 tensors stay views of their source (a model over a trainer's parameter buffer follows
// its updates); other dtypes are converted once.
Tensor as_f32(const Tensor& t) { return t.dtype == DType::F32 ? t : to_f32(t); }

bool is_readable(DType t) {
  return t == DType::F32 || t == DType::BF16 || t == DType::F16 || t == DType::F8_E4M3 ||
         t == DType::Q8_0 || t == DType::Q4_0;
}

bool is_kv_b(const WeightSpec& spec) {
  const std::string suffix = "self_attn.kv_b_proj.weight";
  return spec.name.size() > suffix.size() &&
         spec.name.compare(spec.name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class Loader {
 public:
  Loader(const ModelConfig& c, const TensorSource& source) : c_(c), source_(source) {}

  void load_all() {
    for (const WeightSpec& spec : weight_specs(c_)) {
      const int64_t layer = spec_layer(spec);
      if (is_kv_b(spec) && !source_.has(spec.name) &&
          source_.has(mla_split_specs(c_, layer)[0].name)) {
        for (const WeightSpec& split : mla_split_specs(c_, layer)) load(split);
        continue;
      }
      load(spec);
    }
  }

  void load(const WeightSpec& spec) {
    Tensor t = source_.get_shaped(spec.name, spec.shape);
    if (!is_readable(t.dtype))
      fail(spec.name, std::string("has dtype ") + dtype_name(t.dtype) +
                          ", expected F32, BF16, F16, F8_E4M3, Q8_0 or Q4_0");
    const bool projection = spec.role == WeightRole::Linear || spec.role == WeightRole::Expert ||
                            spec.role == WeightRole::Head || spec.role == WeightRole::MtpLinear;
    if (t.dtype == DType::F8_E4M3 && !projection)
      fail(spec.name, "is F8_E4M3 but only projection weights may be FP8");
    if (t.ndim() == 1) t = as_f32(t);
    tensors_[spec.name] = std::move(t);
  }

  // The layer index of "model.layers.{i}...." names, -1 for the others.
  static int64_t spec_layer(const WeightSpec& spec) {
    const std::string p = "model.layers.";
    if (spec.name.compare(0, p.size(), p) != 0) return -1;
    return std::stoll(spec.name.substr(p.size()));
  }

  bool loaded(const std::string& name) const { return tensors_.count(name) != 0; }

  Tensor vec(const std::string& name) const { return tensors_.at(name); }

  WeightMatrix matrix(const std::string& name) const {
    WeightMatrix m;
    m.w = tensors_.at(name);
    if (m.w.dtype != DType::F8_E4M3) return m;
    m.block_rows = c_.fp8_block_rows;
    m.block_cols = c_.fp8_block_cols;
    const std::string scale_name = name + "_scale_inv";
    const Shape expected = {(m.rows() + m.block_rows - 1) / m.block_rows,
                            (m.cols() + m.block_cols - 1) / m.block_cols};
    if (!source_.has(scale_name))
      fail(name, "is F8_E4M3 but its block scales '" + scale_name + "' are missing");
    Tensor s = source_.get_shaped(scale_name, expected);
    if (s.dtype != DType::F32 && s.dtype != DType::BF16 && s.dtype != DType::F16)
      fail(scale_name, std::string("has dtype ") + dtype_name(s.dtype) + ", expected F32 or BF16");
    m.scale_inv = to_f32(s);
    return m;
  }

  // A projection read whole by linear(): in the layout the decode kernels read fastest, the
  // stored copy's pages handed back when it was converted.
  WeightMatrix decode_matrix(const std::string& name) const {
    const WeightMatrix stored = matrix(name);
    WeightMatrix m = to_decode_layout(stored);
    if (m.w.data != stored.w.data) release_pages(stored.w.data, stored.w.nbytes());
    return m;
  }

  Linear linear(const std::string& prefix) const {
    Linear l = linear_as_stored(prefix);
    l.weight = decode_matrix(prefix + ".weight");
    return l;
  }

  // kv_b_proj / k_b / v_b: MLA reads them per head by row ranges, in the stored layout.
  Linear linear_as_stored(const std::string& prefix) const {
    Linear l;
    l.weight = matrix(prefix + ".weight");
    auto it = tensors_.find(prefix + ".bias");
    if (it != tensors_.end()) l.bias = it->second;
    return l;
  }

  MlpWeights mlp(const std::string& p) const {
    return {linear(p + "gate_proj"), linear(p + "up_proj"), linear(p + "down_proj")};
  }

  BlockWeights block(int64_t layer) const {
    const std::string p = layer_prefix(layer);
    BlockWeights b;
    b.attn_norm = vec(p + "input_layernorm.weight");
    b.mlp_norm = vec(p + "post_attention_layernorm.weight");
    const std::string a = p + "self_attn.";
    if (c_.is_deepseek()) {
      MlaWeights& m = b.mla;
      if (c_.q_lora_rank > 0) {
        m.q_a_proj = linear(a + "q_a_proj");
        m.q_a_norm = vec(a + "q_a_layernorm.weight");
        m.q_b_proj = linear(a + "q_b_proj");
      } else {
        m.q_proj = linear(a + "q_proj");
      }
      m.kv_a_proj = linear(a + "kv_a_proj_with_mqa");
      m.kv_a_norm = vec(a + "kv_a_layernorm.weight");
      if (loaded(a + "kv_b_proj.weight")) {
        m.kv_b_proj = linear_as_stored(a + "kv_b_proj");
      } else {  // split: [H, lora, nope] and [H, v, lora] as row blocks per head
        m.k_b = linear_as_stored(a + "k_b_proj");
        m.v_b = linear_as_stored(a + "v_b_proj");
        for (Linear* l : {&m.k_b, &m.v_b}) {
          Shape& s = l->weight.w.shape;
          s = {s[0] * s[1], s[2]};
        }
      }
      m.o_proj = linear(a + "o_proj");
    } else {
      b.gqa = {linear(a + "q_proj"), linear(a + "k_proj"), linear(a + "v_proj"),
               linear(a + "o_proj")};
    }
    b.is_moe = c_.is_moe_layer(layer);
    if (!b.is_moe) {
      b.mlp = mlp(p + "mlp.");
      return b;
    }
    b.moe.router = as_f32(tensors_.at(p + "mlp.gate.weight"));
    if (c_.topk_method == TopkMethod::NoauxTc)
      b.moe.score_bias = vec(p + "mlp.gate.e_score_correction_bias");
    for (int64_t e = 0; e < c_.n_routed_experts; ++e)
      b.moe.experts.push_back(mlp(p + "mlp.experts." + std::to_string(e) + "."));
    b.moe.has_shared = c_.n_shared_experts > 0;
    if (b.moe.has_shared) b.moe.shared = mlp(p + "mlp.shared_experts.");
    return b;
  }

  MtpWeights mtp(int64_t layer) const {
    const std::string p = layer_prefix(layer);
    MtpWeights m;
    m.embed = tensors_.at(p + "embed_tokens.weight");
    m.enorm = vec(p + "enorm.weight");
    m.hnorm = vec(p + "hnorm.weight");
    m.eh_proj = linear(p + "eh_proj");
    m.block = block(layer);
    m.head_norm = vec(p + "shared_head.norm.weight");
    m.head = decode_matrix(p + "shared_head.head.weight");
    return m;
  }

  [[noreturn]] void fail(const std::string& name, const std::string& what) const {
    throw FormatError(source_.where(name) + " " + what);
  }

 private:
  const ModelConfig& c_;
  const TensorSource& source_;
  std::map<std::string, Tensor> tensors_;
};

}  // namespace

ModelWeights load_weights(const ModelConfig& c, const TensorSource& source) {
  Loader L(c, source);
  L.load_all();
  ModelWeights w;
  w.embed = L.vec("model.embed_tokens.weight");
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) w.layers.push_back(L.block(i));
  w.final_norm = L.vec("model.norm.weight");
  if (c.tie_word_embeddings) {
    if (w.embed.dtype == DType::F8_E4M3) L.fail("model.embed_tokens.weight", "is F8_E4M3");
    w.lm_head.w = w.embed;
  } else {
    w.lm_head = L.decode_matrix("lm_head.weight");
  }
  if (c.is_deepseek())
    for (int64_t k = 0; k < c.num_nextn_predict_layers; ++k)
      w.mtp.push_back(L.mtp(c.num_hidden_layers + k));
  return w;
}

ModelWeights weights_view(const ModelConfig& c, const ParamLayout& layout, float* base,
                          const std::string& label) {
  return load_weights(c, ParamSource(layout, base, label));
}

void embedding_rows(const Tensor& table, const int32_t* tokens, int64_t n, float* out) {
  const int64_t D = table.dim(1);
  WeightMatrix m;
  m.w = table;
  for (int64_t i = 0; i < n; ++i) dequantize_rows(m, tokens[i], tokens[i] + 1, out + i * D);
}

}  // namespace r1
