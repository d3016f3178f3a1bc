// ModelConfig: every config.json field that changes the math, for deepseek_v3, deepseek_v2,
// qwen2 and llama (config.json is parsed and validated in checkpoint/config_json.h).
#pragma once

#include <cstdint>
#include <string>

namespace r1 {

enum class Arch { DeepseekV3, DeepseekV2, Qwen2, Llama };
enum class TopkMethod { Greedy, GroupLimitedGreedy, NoauxTc };
enum class ScoringFunc { Softmax, Sigmoid };
enum class RopeScaling { None, Yarn, Llama3 };

const char* arch_name(Arch a);  // the model_type string: "deepseek_v3", ...

struct RopeConfig {
  double theta = 10000.0;
  RopeScaling type = RopeScaling::None;
  double factor = 1.0;
  int64_t original_max_position_embeddings = 4096;
  // yarn
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  double mscale = 1.0;
  double mscale_all_dim = 0.0;
  // llama3
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;

  bool operator==(const RopeConfig&) const = default;
};

struct ModelConfig {
  Arch arch = Arch::DeepseekV3;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;        // D
  int64_t intermediate_size = 0;  // dense MLP
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;  // H
  int64_t num_key_value_heads = 0;  // GQA (dense models)
  int64_t head_dim = 0;             // dense models: hidden_size / H unless given
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // qwen2: always true for q/k/v; llama: q/k/v/o
  bool mlp_bias = false;        // llama
  RopeConfig rope;

  // MLA (deepseek)
  int64_t q_lora_rank = 0;  // 0 = plain q_proj (config null)
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;

  // MoE (deepseek)
  int64_t n_routed_experts = 0;  // 0 = no MoE (config null)
  int64_t n_shared_experts = 0;
  int64_t num_experts_per_tok = 0;  // K
  int64_t moe_intermediate_size = 0;
  int64_t n_group = 1;
  int64_t topk_group = 1;
  TopkMethod topk_method = TopkMethod::Greedy;
  ScoringFunc scoring_func = ScoringFunc::Softmax;
  bool norm_topk_prob = false;
  double routed_scaling_factor = 1.0;
  int64_t first_k_dense_replace = 0;
  int64_t moe_layer_freq = 1;
  int64_t num_nextn_predict_layers = 0;  // MTP layers stored after the main layers

  // quantization_config: fp8 e4m3 with block scales (weight_scale_inv)
  bool fp8 = false;
  int64_t fp8_block_rows = 128;
  int64_t fp8_block_cols = 128;

  bool is_deepseek() const { return arch == Arch::DeepseekV3 || arch == Arch::DeepseekV2; }
  bool is_moe_layer(int64_t layer) const {
    return n_routed_experts > 0 && layer >= first_k_dense_replace && layer % moe_layer_freq == 0;
  }
  int64_t q_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }

  bool operator==(const ModelConfig&) const = default;
};

}  // namespace r1
