// Weight naming per architecture: each tensor's Hugging Face name, its llama.cpp GGUF name
// (llm_tensor names of the deepseek2, qwen2 and llama architectures, src/llama-arch.cpp) and
// where it binds in the weight tree.
#include "model/weight_specs.h"

namespace r1 {

std::string layer_prefix(int64_t layer) {
  return "model.layers." + std::to_string(layer) + ".";
}

int64_t spec_layer(const WeightSpec& spec) {
  static const std::string prefix = "model.layers.";
  if (spec.name.compare(0, prefix.size(), prefix) != 0) return -1;
  return std::stoll(spec.name.substr(prefix.size()));
}

bool part_holds(const ModelConfig& c, const ModelPart& part, const WeightSpec& spec) {
  const int64_t layer = spec_layer(spec);
  if (layer < 0 || layer >= c.num_hidden_layers) return part.ends;
  return part.holds_layer(layer);
}

namespace {

using Visit = std::function<void(const WeightSpec&, const WeightSlot&)>;

std::string gguf_prefix(int64_t layer) {
  return "blk." + std::to_string(layer) + ".";
}

// Names are given in pairs: Hugging Face, GGUF.
struct SpecList {
  const Visit& visit;
  bool mtp;
  void vec(std::string name, std::string gguf, Shape shape, Tensor& t,
           WeightRole role = WeightRole::Vector, std::string shared = {}) {
    visit({std::move(name), std::move(shape), role, mtp, {std::move(gguf), -1, std::move(shared)}},
          {&t, nullptr});
  }
  void mat(std::string name, std::string gguf, Shape shape, WeightMatrix& m, WeightRole role,
           int64_t expert = -1, std::string shared = {}) {
    visit({std::move(name),
           std::move(shape),
           role,
           mtp,
           {std::move(gguf), expert, std::move(shared)}},
          {nullptr, &m});
  }
  // Gate, up and down under "{p}{gate,up,down}_proj" and "{g}ffn_{gate,up,down}{suffix}".
  void mlp(const std::string& p, const std::string& g, const std::string& suffix, int64_t D,
           int64_t inter, MlpWeights& m, WeightRole role, bool bias, int64_t expert = -1) {
    mat(p + "gate_proj.weight", g + "ffn_gate" + suffix + ".weight", {inter, D}, m.gate.weight,
        role, expert);
    mat(p + "up_proj.weight", g + "ffn_up" + suffix + ".weight", {inter, D}, m.up.weight, role,
        expert);
    mat(p + "down_proj.weight", g + "ffn_down" + suffix + ".weight", {D, inter}, m.down.weight,
        role, expert);
    if (bias) {
      vec(p + "gate_proj.bias", g + "ffn_gate" + suffix + ".bias", {inter}, m.gate.bias);
      vec(p + "up_proj.bias", g + "ffn_up" + suffix + ".bias", {inter}, m.up.bias);
      vec(p + "down_proj.bias", g + "ffn_down" + suffix + ".bias", {D}, m.down.bias);
    }
  }
};

void mla_specs(const ModelConfig& c, int64_t layer, MlaWeights& w, SpecList& s) {
  const std::string p = layer_prefix(layer) + "self_attn.", g = gguf_prefix(layer);
  const int64_t D = c.hidden_size, H = c.num_attention_heads;
  if (c.q_lora_rank > 0) {
    s.mat(p + "q_a_proj.weight", g + "attn_q_a.weight", {c.q_lora_rank, D}, w.q_a_proj.weight,
          WeightRole::Linear);
    s.vec(p + "q_a_layernorm.weight", g + "attn_q_a_norm.weight", {c.q_lora_rank}, w.q_a_norm);
    s.mat(p + "q_b_proj.weight", g + "attn_q_b.weight", {H * c.q_head_dim(), c.q_lora_rank},
          w.q_b_proj.weight, WeightRole::Linear);
  } else {
    s.mat(p + "q_proj.weight", g + "attn_q.weight", {H * c.q_head_dim(), D}, w.q_proj.weight,
          WeightRole::Linear);
  }
  s.mat(p + "kv_a_proj_with_mqa.weight", g + "attn_kv_a_mqa.weight",
        {c.kv_lora_rank + c.qk_rope_head_dim, D}, w.kv_a_proj.weight, WeightRole::Linear);
  s.vec(p + "kv_a_layernorm.weight", g + "attn_kv_a_norm.weight", {c.kv_lora_rank}, w.kv_a_norm);
  WeightSlot kv_b{nullptr, &w.kv_b_proj.weight, layer, &w.k_b, &w.v_b};
  s.visit({p + "kv_b_proj.weight",
           {H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank},
           WeightRole::Linear,
           s.mtp,
           {g + "attn_kv_b.weight"}},
          kv_b);
  s.mat(p + "o_proj.weight", g + "attn_output.weight", {D, H * c.v_head_dim}, w.o_proj.weight,
        WeightRole::Linear);
}

void gqa_specs(const ModelConfig& c, int64_t layer, GqaWeights& w, SpecList& s) {
  const std::string p = layer_prefix(layer) + "self_attn.", g = gguf_prefix(layer);
  const int64_t D = c.hidden_size, qd = c.num_attention_heads * c.head_dim,
                kvd = c.num_key_value_heads * c.head_dim;
  s.mat(p + "q_proj.weight", g + "attn_q.weight", {qd, D}, w.q.weight, WeightRole::Linear);
  s.mat(p + "k_proj.weight", g + "attn_k.weight", {kvd, D}, w.k.weight, WeightRole::Linear);
  s.mat(p + "v_proj.weight", g + "attn_v.weight", {kvd, D}, w.v.weight, WeightRole::Linear);
  s.mat(p + "o_proj.weight", g + "attn_output.weight", {D, qd}, w.o.weight, WeightRole::Linear);
  if (c.attention_bias) {
    s.vec(p + "q_proj.bias", g + "attn_q.bias", {qd}, w.q.bias);
    s.vec(p + "k_proj.bias", g + "attn_k.bias", {kvd}, w.k.bias);
    s.vec(p + "v_proj.bias", g + "attn_v.bias", {kvd}, w.v.bias);
    if (c.arch == Arch::Llama) s.vec(p + "o_proj.bias", g + "attn_output.bias", {D}, w.o.bias);
  }
}

void block_specs(const ModelConfig& c, int64_t layer, BlockWeights& b, SpecList& s) {
  const std::string p = layer_prefix(layer), g = gguf_prefix(layer);
  const int64_t D = c.hidden_size;
  s.vec(p + "input_layernorm.weight", g + "attn_norm.weight", {D}, b.attn_norm);
  s.vec(p + "post_attention_layernorm.weight", g + "ffn_norm.weight", {D}, b.mlp_norm);
  if (c.is_deepseek()) {
    mla_specs(c, layer, b.mla, s);
  } else {
    gqa_specs(c, layer, b.gqa, s);
  }
  b.is_moe = c.is_moe_layer(layer);
  if (!b.is_moe) {
    s.mlp(p + "mlp.", g, "", D, c.intermediate_size, b.mlp, WeightRole::Linear, c.mlp_bias);
    return;
  }
  MoeWeights& m = b.moe;
  s.vec(p + "mlp.gate.weight", g + "ffn_gate_inp.weight", {c.n_routed_experts, D}, m.router,
        WeightRole::Router);
  if (c.topk_method == TopkMethod::NoauxTc)
    s.vec(p + "mlp.gate.e_score_correction_bias", g + "exp_probs_b.bias", {c.n_routed_experts},
          m.score_bias);
  m.experts.resize(size_t(c.n_routed_experts));
  for (int64_t e = 0; e < c.n_routed_experts; ++e)
    s.mlp(p + "mlp.experts." + std::to_string(e) + ".", g, "_exps", D, c.moe_intermediate_size,
          m.experts[size_t(e)], WeightRole::Expert, false, e);
  m.has_shared = c.n_shared_experts > 0;
  if (m.has_shared)
    s.mlp(p + "mlp.shared_experts.", g, "_shexp", D, c.moe_intermediate_size * c.n_shared_experts,
          m.shared, WeightRole::Linear, false);
}

// GGUF: llama.cpp's nextn block (GLM-4.5, GLM-DSA), the decoder block's tensors under blk.N.
void mtp_specs(const ModelConfig& c, int64_t layer, MtpWeights& m, SpecList& s) {
  const std::string p = layer_prefix(layer), g = gguf_prefix(layer) + "nextn.";
  const int64_t D = c.hidden_size, V = c.vocab_size;
  s.vec(p + "embed_tokens.weight", g + "embed_tokens.weight", {V, D}, m.embed,
        WeightRole::Embedding, "token_embd.weight");
  s.vec(p + "enorm.weight", g + "enorm.weight", {D}, m.enorm);
  s.vec(p + "hnorm.weight", g + "hnorm.weight", {D}, m.hnorm);
  s.mat(p + "eh_proj.weight", g + "eh_proj.weight", {D, 2 * D}, m.eh_proj.weight,
        WeightRole::MtpLinear);
  block_specs(c, layer, m.block, s);
  s.vec(p + "shared_head.norm.weight", g + "shared_head_norm.weight", {D}, m.head_norm);
  s.mat(p + "shared_head.head.weight", g + "shared_head_head.weight", {V, D}, m.head,
        WeightRole::Head, -1, c.tie_word_embeddings ? "token_embd.weight" : "output.weight");
}

}  // namespace

std::vector<WeightSpec> mla_split_specs(const ModelConfig& c, int64_t layer) {
  const std::string p = layer_prefix(layer) + "self_attn.", g = gguf_prefix(layer);
  const int64_t H = c.num_attention_heads;
  const bool mtp = layer >= c.num_hidden_layers;
  return {{p + "k_b_proj.weight",
           {H, c.kv_lora_rank, c.qk_nope_head_dim},
           WeightRole::Linear,
           mtp,
           {g + "attn_k_b.weight"}},
          {p + "v_b_proj.weight",
           {H, c.v_head_dim, c.kv_lora_rank},
           WeightRole::Linear,
           mtp,
           {g + "attn_v_b.weight"}}};
}

void visit_weights(const ModelConfig& c, ModelWeights& tree, const Visit& visit) {
  const size_t layers = size_t(c.num_hidden_layers),
               mtp_layers = c.is_deepseek() ? size_t(c.num_nextn_predict_layers) : 0;
  if (tree.layers.size() != layers || tree.mtp.size() != mtp_layers) {
    tree.layers.assign(layers, BlockWeights{});
    tree.mtp.assign(mtp_layers, MtpWeights{});
  }
  SpecList main{visit, false};
  main.vec("model.embed_tokens.weight", "token_embd.weight", {c.vocab_size, c.hidden_size},
           tree.embed, WeightRole::Embedding);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) block_specs(c, i, tree.layers[size_t(i)], main);
  main.vec("model.norm.weight", "output_norm.weight", {c.hidden_size}, tree.final_norm);
  if (!c.tie_word_embeddings)
    main.mat("lm_head.weight", "output.weight", {c.vocab_size, c.hidden_size}, tree.lm_head,
             WeightRole::Head);
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
