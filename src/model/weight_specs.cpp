// Weight naming per architecture, following the Hugging Face checkpoints, and where each tensor
// binds in the weight tree.
#include "model/weight_specs.h"

namespace r1 {

std::string layer_prefix(int64_t layer) {
  return "model.layers." + std::to_string(layer) + ".";
}

namespace {

using Visit = std::function<void(const WeightSpec&, const WeightSlot&)>;

struct SpecList {
  const Visit& visit;
  bool mtp;
  void vec(std::string name, Shape shape, Tensor& t, WeightRole role = WeightRole::Vector) {
    visit({std::move(name), std::move(shape), role, mtp}, {&t, nullptr});
  }
  void mat(std::string name, Shape shape, WeightMatrix& m, WeightRole role) {
    visit({std::move(name), std::move(shape), role, mtp}, {nullptr, &m});
  }
  void mlp(const std::string& p, int64_t D, int64_t inter, MlpWeights& m, WeightRole role,
           bool bias) {
    mat(p + "gate_proj.weight", {inter, D}, m.gate.weight, role);
    mat(p + "up_proj.weight", {inter, D}, m.up.weight, role);
    mat(p + "down_proj.weight", {D, inter}, m.down.weight, role);
    if (bias) {
      vec(p + "gate_proj.bias", {inter}, m.gate.bias);
      vec(p + "up_proj.bias", {inter}, m.up.bias);
      vec(p + "down_proj.bias", {D}, m.down.bias);
    }
  }
};

void mla_specs(const ModelConfig& c, int64_t layer, MlaWeights& w, SpecList& s) {
  const std::string p = layer_prefix(layer) + "self_attn.";
  const int64_t D = c.hidden_size, H = c.num_attention_heads;
  if (c.q_lora_rank > 0) {
    s.mat(p + "q_a_proj.weight", {c.q_lora_rank, D}, w.q_a_proj.weight, WeightRole::Linear);
    s.vec(p + "q_a_layernorm.weight", {c.q_lora_rank}, w.q_a_norm);
    s.mat(p + "q_b_proj.weight", {H * c.q_head_dim(), c.q_lora_rank}, w.q_b_proj.weight,
          WeightRole::Linear);
  } else {
    s.mat(p + "q_proj.weight", {H * c.q_head_dim(), D}, w.q_proj.weight, WeightRole::Linear);
  }
  s.mat(p + "kv_a_proj_with_mqa.weight", {c.kv_lora_rank + c.qk_rope_head_dim, D},
        w.kv_a_proj.weight, WeightRole::Linear);
  s.vec(p + "kv_a_layernorm.weight", {c.kv_lora_rank}, w.kv_a_norm);
  WeightSlot kv_b{nullptr, &w.kv_b_proj.weight, layer, &w.k_b, &w.v_b};
  s.visit({p + "kv_b_proj.weight",
           {H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank},
           WeightRole::Linear,
           s.mtp},
          kv_b);
  s.mat(p + "o_proj.weight", {D, H * c.v_head_dim}, w.o_proj.weight, WeightRole::Linear);
}

void gqa_specs(const ModelConfig& c, const std::string& p, GqaWeights& w, SpecList& s) {
  const int64_t D = c.hidden_size, qd = c.num_attention_heads * c.head_dim,
                kvd = c.num_key_value_heads * c.head_dim;
  s.mat(p + "q_proj.weight", {qd, D}, w.q.weight, WeightRole::Linear);
  s.mat(p + "k_proj.weight", {kvd, D}, w.k.weight, WeightRole::Linear);
  s.mat(p + "v_proj.weight", {kvd, D}, w.v.weight, WeightRole::Linear);
  s.mat(p + "o_proj.weight", {D, qd}, w.o.weight, WeightRole::Linear);
  if (c.attention_bias) {
    s.vec(p + "q_proj.bias", {qd}, w.q.bias);
    s.vec(p + "k_proj.bias", {kvd}, w.k.bias);
    s.vec(p + "v_proj.bias", {kvd}, w.v.bias);
    if (c.arch == Arch::Llama) s.vec(p + "o_proj.bias", {D}, w.o.bias);
  }
}

void block_specs(const ModelConfig& c, int64_t layer, BlockWeights& b, SpecList& s) {
  const std::string p = layer_prefix(layer);
  const int64_t D = c.hidden_size;
  s.vec(p + "input_layernorm.weight", {D}, b.attn_norm);
  s.vec(p + "post_attention_layernorm.weight", {D}, b.mlp_norm);
  if (c.is_deepseek()) {
    mla_specs(c, layer, b.mla, s);
  } else {
    gqa_specs(c, p + "self_attn.", b.gqa, s);
  }
  b.is_moe = c.is_moe_layer(layer);
  if (!b.is_moe) {
    s.mlp(p + "mlp.", D, c.intermediate_size, b.mlp, WeightRole::Linear, c.mlp_bias);
    return;
  }
  MoeWeights& m = b.moe;
  s.vec(p + "mlp.gate.weight", {c.n_routed_experts, D}, m.router, WeightRole::Router);
  if (c.topk_method == TopkMethod::NoauxTc)
    s.vec(p + "mlp.gate.e_score_correction_bias", {c.n_routed_experts}, m.score_bias);
  m.experts.resize(size_t(c.n_routed_experts));
  for (int64_t e = 0; e < c.n_routed_experts; ++e)
    s.mlp(p + "mlp.experts." + std::to_string(e) + ".", D, c.moe_intermediate_size,
          m.experts[size_t(e)], WeightRole::Expert, false);
  m.has_shared = c.n_shared_experts > 0;
  if (m.has_shared)
    s.mlp(p + "mlp.shared_experts.", D, c.moe_intermediate_size * c.n_shared_experts, m.shared,
          WeightRole::Linear, false);
}

void mtp_specs(const ModelConfig& c, int64_t layer, MtpWeights& m, SpecList& s) {
  const std::string p = layer_prefix(layer);
  const int64_t D = c.hidden_size, V = c.vocab_size;
  s.vec(p + "embed_tokens.weight", {V, D}, m.embed, WeightRole::Embedding);
  s.vec(p + "enorm.weight", {D}, m.enorm);
  s.vec(p + "hnorm.weight", {D}, m.hnorm);
  s.mat(p + "eh_proj.weight", {D, 2 * D}, m.eh_proj.weight, WeightRole::MtpLinear);
  block_specs(c, layer, m.block, s);
  s.vec(p + "shared_head.norm.weight", {D}, m.head_norm);
  s.mat(p + "shared_head.head.weight", {V, D}, m.head, WeightRole::Head);
}

}  // namespace

std::vector<WeightSpec> mla_split_specs(const ModelConfig& c, int64_t layer) {
  const std::string p = layer_prefix(layer) + "self_attn.";
  const int64_t H = c.num_attention_heads;
  const bool mtp = layer >= c.num_hidden_layers;
  return {{p + "k_b_proj.weight", {H, c.kv_lora_rank, c.qk_nope_head_dim}, WeightRole::Linear, mtp},
          {p + "v_b_proj.weight", {H, c.v_head_dim, c.kv_lora_rank}, WeightRole::Linear, mtp}};
}

void visit_weights(const ModelConfig& c, ModelWeights& tree, const Visit& visit) {
  tree.layers.assign(size_t(c.num_hidden_layers), BlockWeights{});
  tree.mtp.assign(c.is_deepseek() ? size_t(c.num_nextn_predict_layers) : 0, MtpWeights{});
  SpecList main{visit, false};
  main.vec("model.embed_tokens.weight", {c.vocab_size, c.hidden_size}, tree.embed,
           WeightRole::Embedding);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) block_specs(c, i, tree.layers[size_t(i)], main);
  main.vec("model.norm.weight", {c.hidden_size}, tree.final_norm);
  if (!c.tie_word_embeddings)
    main.mat("lm_head.weight", {c.vocab_size, c.hidden_size}, tree.lm_head, WeightRole::Head);
  SpecList mtp{visit, true};
  for (size_t k = 0; k < tree.mtp.size(); ++k)
    mtp_specs(c, c.num_hidden_layers + int64_t(k), tree.mtp[k], mtp);
}

std::vector<WeightSpec> weight_specs(const ModelConfig& c) {
  std::vector<WeightSpec> out;
  ModelWeights scratch;
  visit_weights(c, scratch,
                [&](const WeightSpec& spec, const WeightSlot&) { out.push_back(spec); });
  return out;
}

}  // namespace r1
