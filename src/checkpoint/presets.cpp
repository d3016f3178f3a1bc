// Preset table. The real shapes follow the published config.json files.
#include "checkpoint/presets.h"

#include "core/error.h"

namespace r1 {

namespace {

ModelConfig deepseek_base(Arch arch) {
  ModelConfig c;
  c.arch = arch;
  c.rms_norm_eps = 1e-6;
  c.rope.theta = 10000.0;
  return c;
}

ModelConfig tiny_v3() {
  ModelConfig c = deepseek_base(Arch::DeepseekV3);
  c.vocab_size = 1024, c.hidden_size = 64, c.intermediate_size = 128, c.num_hidden_layers = 3;
  c.num_attention_heads = 4, c.num_key_value_heads = 4, c.max_position_embeddings = 1024;
  c.q_lora_rank = 32, c.kv_lora_rank = 32, c.qk_nope_head_dim = 16, c.qk_rope_head_dim = 8;
  c.v_head_dim = 16;
  c.n_routed_experts = 8, c.n_shared_experts = 1, c.num_experts_per_tok = 2;
  c.moe_intermediate_size = 32, c.n_group = 2, c.topk_group = 1;
  c.topk_method = TopkMethod::NoauxTc, c.scoring_func = ScoringFunc::Sigmoid;
  c.norm_topk_prob = true, c.routed_scaling_factor = 2.5, c.first_k_dense_replace = 1;
  c.num_nextn_predict_layers = 1;
  c.rope.type = RopeScaling::Yarn, c.rope.factor = 4.0,
  c.rope.original_max_position_embeddings = 256;
  c.rope.mscale = 1.0, c.rope.mscale_all_dim = 1.0;
  return c;
}

ModelConfig tiny_v2() {
  ModelConfig c = deepseek_base(Arch::DeepseekV2);
  c.vocab_size = 1024, c.hidden_size = 64, c.intermediate_size = 128, c.num_hidden_layers = 2;
  c.num_attention_heads = 4, c.num_key_value_heads = 4, c.max_position_embeddings = 1024;
  c.q_lora_rank = 0, c.kv_lora_rank = 32, c.qk_nope_head_dim = 16, c.qk_rope_head_dim = 8;
  c.v_head_dim = 16;
  c.n_routed_experts = 8, c.n_shared_experts = 2, c.num_experts_per_tok = 2;
  c.moe_intermediate_size = 32, c.topk_method = TopkMethod::Greedy;
  c.scoring_func = ScoringFunc::Softmax, c.first_k_dense_replace = 1;
  return c;
}

ModelConfig tiny_dense(Arch arch) {
  ModelConfig c;
  c.arch = arch;
  c.vocab_size = 1024, c.hidden_size = 64, c.intermediate_size = 160, c.num_hidden_layers = 2;
  c.num_attention_heads = 4, c.num_key_value_heads = 2, c.head_dim = 16;
  c.max_position_embeddings = 1024, c.rms_norm_eps = 1e-6;
  if (arch == Arch::Qwen2) {
    c.attention_bias = true, c.tie_word_embeddings = true, c.rope.theta = 10000.0;
  } else {
    c.rms_norm_eps = 1e-5, c.rope.theta = 500000.0, c.rope.type = RopeScaling::Llama3;
    c.rope.factor = 8.0, c.rope.low_freq_factor = 1.0, c.rope.high_freq_factor = 4.0;
    c.rope.original_max_position_embeddings = 64;
  }
  return c;
}

// About 1B parameters in the V3 architecture: the size used to measure load time and RSS.
ModelConfig v3_1b() {
  ModelConfig c = tiny_v3();
  c.vocab_size = 32768, c.hidden_size = 1024, c.intermediate_size = 2816, c.num_hidden_layers = 16;
  c.num_attention_heads = 16, c.num_key_value_heads = 16, c.max_position_embeddings = 16384;
  c.q_lora_rank = 384, c.kv_lora_rank = 256, c.qk_nope_head_dim = 64, c.qk_rope_head_dim = 32;
  c.v_head_dim = 64, c.n_routed_experts = 32, c.num_experts_per_tok = 4;
  c.moe_intermediate_size = 512, c.n_group = 4, c.topk_group = 2;
  c.rope.original_max_position_embeddings = 4096;
  return c;
}

ModelConfig deepseek_v3_671b() {
  ModelConfig c = deepseek_base(Arch::DeepseekV3);
  c.vocab_size = 129280, c.hidden_size = 7168, c.intermediate_size = 18432;
  c.num_hidden_layers = 61, c.num_attention_heads = 128, c.num_key_value_heads = 128;
  c.max_position_embeddings = 163840;
  c.q_lora_rank = 1536, c.kv_lora_rank = 512, c.qk_nope_head_dim = 128, c.qk_rope_head_dim = 64;
  c.v_head_dim = 128;
  c.n_routed_experts = 256, c.n_shared_experts = 1, c.num_experts_per_tok = 8;
  c.moe_intermediate_size = 2048, c.n_group = 8, c.topk_group = 4;
  c.topk_method = TopkMethod::NoauxTc, c.scoring_func = ScoringFunc::Sigmoid;
  c.norm_topk_prob = true, c.routed_scaling_factor = 2.5, c.first_k_dense_replace = 3;
  c.num_nextn_predict_layers = 1;
  c.rope.type = RopeScaling::Yarn, c.rope.factor = 40.0;
  c.rope.original_max_position_embeddings = 4096, c.rope.mscale = 1.0, c.rope.mscale_all_dim = 1.0;
  c.fp8 = true;
  return c;
}

ModelConfig deepseek_v2_lite() {
  ModelConfig c = deepseek_base(Arch::DeepseekV2);
  c.vocab_size = 102400, c.hidden_size = 2048, c.intermediate_size = 10944;
  c.num_hidden_layers = 27, c.num_attention_heads = 16, c.num_key_value_heads = 16;
  c.max_position_embeddings = 163840;
  c.q_lora_rank = 0, c.kv_lora_rank = 512, c.qk_nope_head_dim = 128, c.qk_rope_head_dim = 64;
  c.v_head_dim = 128;
  c.n_routed_experts = 64, c.n_shared_experts = 2, c.num_experts_per_tok = 6;
  c.moe_intermediate_size = 1408, c.topk_method = TopkMethod::Greedy;
  c.scoring_func = ScoringFunc::Softmax, c.first_k_dense_replace = 1;
  c.rope.type = RopeScaling::Yarn, c.rope.factor = 40.0;
  c.rope.original_max_position_embeddings = 4096, c.rope.mscale = 0.707;
  c.rope.mscale_all_dim = 0.707;
  return c;
}

ModelConfig r1_distill_qwen_1_5b() {
  ModelConfig c;
  c.arch = Arch::Qwen2;
  c.vocab_size = 151936, c.hidden_size = 1536, c.intermediate_size = 8960;
  c.num_hidden_layers = 28, c.num_attention_heads = 12, c.num_key_value_heads = 2;
  c.head_dim = 128, c.max_position_embeddings = 131072, c.rms_norm_eps = 1e-6;
  c.rope.theta = 10000.0, c.attention_bias = true, c.tie_word_embeddings = false;
  return c;
}

ModelConfig r1_distill_llama_8b() {
  ModelConfig c;
  c.arch = Arch::Llama;
  c.vocab_size = 128256, c.hidden_size = 4096, c.intermediate_size = 14336;
  c.num_hidden_layers = 32, c.num_attention_heads = 32, c.num_key_value_heads = 8;
  c.head_dim = 128, c.max_position_embeddings = 131072, c.rms_norm_eps = 1e-5;
  c.rope.theta = 500000.0, c.rope.type = RopeScaling::Llama3, c.rope.factor = 8.0;
  c.rope.low_freq_factor = 1.0, c.rope.high_freq_factor = 4.0;
  c.rope.original_max_position_embeddings = 8192;
  return c;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> table = {
      {"tiny", "DeepSeek-V3 architecture, MoE + MTP + YaRN, a few MB (tests, examples)", tiny_v3()},
      {"tiny-v2", "DeepSeek-V2 architecture, softmax/greedy routing, plain q_proj", tiny_v2()},
      {"tiny-qwen2", "Qwen2 (R1-Distill-Qwen family), GQA, q/k/v bias, tied head",
       tiny_dense(Arch::Qwen2)},
      {"tiny-llama", "Llama (R1-Distill-Llama family), GQA, llama3 rope scaling",
       tiny_dense(Arch::Llama)},
      {"v3-1b", "DeepSeek-V3 architecture at about 1B parameters", v3_1b()},
      {"deepseek-v3-671b", "DeepSeek-V3 / R1 real shape (FP8), size math only", deepseek_v3_671b(),
       true},
      {"deepseek-r1-671b", "DeepSeek-R1 real shape (same as V3), size math only",
       deepseek_v3_671b(), true},
      {"deepseek-v3.1", "DeepSeek-V3.1 real shape (same as V3; hybrid-thinking template), size "
       "math only", deepseek_v3_671b(), true},
      {"deepseek-v2-lite-16b", "DeepSeek-V2-Lite real shape", deepseek_v2_lite()},
      {"r1-distill-qwen-1.5b", "DeepSeek-R1-Distill-Qwen-1.5B real shape", r1_distill_qwen_1_5b()},
      {"r1-distill-llama-8b", "DeepSeek-R1-Distill-Llama-8B real shape", r1_distill_llama_8b()},
  };
  return table;
}

const Preset& find_preset(const std::string& name) {
  std::string known;
  for (const Preset& p : presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw UsageError("unknown preset '" + name + "' (known: " + known + ")");
}

}  // namespace r1
