// train_weights_view: the model-shaped pointers into a ParamLayout buffer, by checkpoint name.
#include "model/train_weights.h"

#include "kernels/cpu/linear_backward.h"
#include "model/param_layout.h"
#include "model/train_matmul.h"
#include "model/weight_specs.h"

namespace r1 {

namespace {

struct Viewer {
  const ParamLayout& layout;
  float* base;

  float* at(const std::string& name) const { return base + layout.at(name).offset; }
  float* optional(const std::string& name) const {
    return layout.has(name) ? at(name) : nullptr;
  }
  LinearParams linear(const std::string& prefix) const {
    const ParamEntry& w = layout.at(prefix + ".weight");
    return {base + w.offset, optional(prefix + ".bias"), w.shape[0], w.shape[1]};
  }
  MlpParams mlp(const std::string& p) const {
    return {linear(p + "gate_proj"), linear(p + "up_proj"), linear(p + "down_proj")};
  }
};

MlaParams mla_view(const ModelConfig& c, const Viewer& v, const std::string& p) {
  MlaParams m;
  if (c.q_lora_rank > 0) {
    m.q_a_proj = v.linear(p + "q_a_proj");
    m.q_a_norm = v.at(p + "q_a_layernorm.weight");
    m.q_b_proj = v.linear(p + "q_b_proj");
  } else {
    m.q_proj = v.linear(p + "q_proj");
  }
  m.kv_a_proj = v.linear(p + "kv_a_proj_with_mqa");
  m.kv_a_norm = v.at(p + "kv_a_layernorm.weight");
  m.kv_b_proj = v.linear(p + "kv_b_proj");
  m.o_proj = v.linear(p + "o_proj");
  return m;
}

BlockParams block_view(const ModelConfig& c, const Viewer& v, int64_t layer) {
  const std::string p = layer_prefix(layer);
  BlockParams b;
  b.attn_norm = v.at(p + "input_layernorm.weight");
  b.mlp_norm = v.at(p + "post_attention_layernorm.weight");
  const std::string a = p + "self_attn.";
  if (c.is_deepseek()) {
    b.mla = mla_view(c, v, a);
  } else {
    b.gqa = {v.linear(a + "q_proj"), v.linear(a + "k_proj"), v.linear(a + "v_proj"),
             v.linear(a + "o_proj")};
  }
  b.is_moe = c.is_moe_layer(layer);
  if (!b.is_moe) {
    b.mlp = v.mlp(p + "mlp.");
    return b;
  }
  b.moe.router = v.at(p + "mlp.gate.weight");
  b.moe.score_bias = v.optional(p + "mlp.gate.e_score_correction_bias");
  for (int64_t e = 0; e < c.n_routed_experts; ++e)
    b.moe.experts.push_back(v.mlp(p + "mlp.experts." + std::to_string(e) + "."));
  b.moe.has_shared = c.n_shared_experts > 0;
  if (b.moe.has_shared) b.moe.shared = v.mlp(p + "mlp.shared_experts.");
  return b;
}

}  // namespace

void linear_params_forward(const LinearParams& p, const float* x, int64_t T, float* y) {
  train_matmul_forward(x, p.w, y, T, p.out, p.in);
  if (p.b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t o = 0; o < p.out; ++o) y[t * p.out + o] += p.b[o];
}

void linear_params_backward(const LinearParams& p, const float* x, const float* dy, int64_t T,
                            const LinearParams& grads, float* dx) {
  if (dx) train_matmul_dx(dy, p.w, dx, T, p.out, p.in);
  train_matmul_dw(dy, x, grads.w, T, p.out, p.in);
  if (grads.b) linear_backward_bias(dy, T, p.out, grads.b);
}

TrainWeights train_weights_view(const ModelConfig& c, const ParamLayout& layout, float* base) {
  const Viewer v{layout, base};
  TrainWeights w;
  w.embed = v.at("model.embed_tokens.weight");
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) w.layers.push_back(block_view(c, v, i));
  w.final_norm = v.at("model.norm.weight");
  w.lm_head = c.tie_word_embeddings ? w.embed : v.at("lm_head.weight");
  if (c.is_deepseek()) {
    for (int64_t k = 0; k < c.num_nextn_predict_layers; ++k) {
      const int64_t layer = c.num_hidden_layers + k;
      const std::string p = layer_prefix(layer);
      MtpParams m;
      m.embed = v.at(p + "embed_tokens.weight");
      m.enorm = v.at(p + "enorm.weight");
      m.hnorm = v.at(p + "hnorm.weight");
      m.eh_proj = v.linear(p + "eh_proj");
      m.block = block_view(c, v, layer);
      m.head_norm = v.at(p + "shared_head.norm.weight");
      m.head = v.at(p + "shared_head.head.weight");
      w.mtp.push_back(std::move(m));
    }
  }
  return w;
}

}  // namespace r1
