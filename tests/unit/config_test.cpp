// ModelConfig: the real DeepSeek-V3/V2-Lite, Qwen2.5 and Llama-3.1 config.json files, defaults,
// every validation error (the message names the field), and the to_json round trip.
#include "model/config.h"

#include <gtest/gtest.h>

#include <functional>

#include "checkpoint/config_json.h"
#include "core/error.h"
#include "io_test_util.h"

namespace r1 {
namespace {

using r1::testing::expect_error;
using r1::testing::TempDir;

Json deepseek_v3() {
  return Json::parse(R"({
    "architectures": ["DeepseekV3ForCausalLM"], "attention_bias": false,
    "attention_dropout": 0.0, "aux_loss_alpha": 0.001, "bos_token_id": 0, "eos_token_id": 1,
    "ep_size": 1, "first_k_dense_replace": 3, "hidden_act": "silu", "hidden_size": 7168,
    "initializer_range": 0.02, "intermediate_size": 18432, "kv_lora_rank": 512,
    "max_position_embeddings": 163840, "model_type": "deepseek_v3",
    "moe_intermediate_size": 2048, "moe_layer_freq": 1, "n_group": 8, "n_routed_experts": 256,
    "n_shared_experts": 1, "norm_topk_prob": true, "num_attention_heads": 128,
    "num_experts_per_tok": 8, "num_hidden_layers": 61, "num_key_value_heads": 128,
    "num_nextn_predict_layers": 1, "pretraining_tp": 1, "q_lora_rank": 1536,
    "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
    "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3",
                            "quant_method": "fp8", "weight_block_size": [128, 128]},
    "rms_norm_eps": 1e-06,
    "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0,
                     "mscale_all_dim": 1.0, "original_max_position_embeddings": 4096,
                     "type": "yarn"},
    "rope_theta": 10000, "routed_scaling_factor": 2.5, "scoring_func": "sigmoid",
    "seq_aux": true, "tie_word_embeddings": false, "topk_group": 4, "topk_method": "noaux_tc",
    "torch_dtype": "bfloat16", "transformers_version": "4.33.1", "use_cache": true,
    "v_head_dim": 128, "vocab_size": 129280})");
}

Json deepseek_v2_lite() {
  return Json::parse(R"({
    "architectures": ["DeepseekV2ForCausalLM"], "attention_bias": false,
    "first_k_dense_replace": 1, "hidden_act": "silu", "hidden_size": 2048,
    "intermediate_size": 10944, "kv_lora_rank": 512, "max_position_embeddings": 163840,
    "model_type": "deepseek_v2", "moe_intermediate_size": 1408, "moe_layer_freq": 1,
    "n_group": 1, "n_routed_experts": 64, "n_shared_experts": 2, "norm_topk_prob": false,
    "num_attention_heads": 16, "num_experts_per_tok": 6, "num_hidden_layers": 27,
    "num_key_value_heads": 16, "q_lora_rank": null, "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64, "rms_norm_eps": 1e-06,
    "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 0.707,
                     "mscale_all_dim": 0.707, "original_max_position_embeddings": 4096,
                     "type": "yarn"},
    "rope_theta": 10000, "routed_scaling_factor": 1.0, "scoring_func": "softmax",
    "tie_word_embeddings": false, "topk_group": 1, "topk_method": "greedy",
    "v_head_dim": 128, "vocab_size": 102400})");
}

Json qwen2_7b() {
  return Json::parse(R"({
    "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0,
    "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 3584,
    "initializer_range": 0.02, "intermediate_size": 18944, "max_position_embeddings": 131072,
    "max_window_layers": 28, "model_type": "qwen2", "num_attention_heads": 28,
    "num_hidden_layers": 28, "num_key_value_heads": 4, "rms_norm_eps": 1e-06,
    "rope_theta": 10000, "sliding_window": 4096, "tie_word_embeddings": false,
    "torch_dtype": "bfloat16", "use_cache": true, "use_mrope": false,
    "use_sliding_window": false, "vocab_size": 152064})");
}

Json llama31_8b() {
  return Json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
    "bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu", "hidden_size": 4096,
    "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072,
    "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32,
    "num_hidden_layers": 32, "num_key_value_heads": 8, "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
    "use_cache": true, "vocab_size": 128256})");
}

ModelConfig parse(const Json& j) {
  return parse_model_config(j, "config.json");
}

TEST(Config, DeepseekV3AllFields) {
  ModelConfig c = parse(deepseek_v3());
  EXPECT_EQ(c.arch, Arch::DeepseekV3);
  EXPECT_EQ(c.vocab_size, 129280);
  EXPECT_EQ(c.hidden_size, 7168);
  EXPECT_EQ(c.intermediate_size, 18432);
  EXPECT_EQ(c.num_hidden_layers, 61);
  EXPECT_EQ(c.num_attention_heads, 128);
  EXPECT_EQ(c.num_key_value_heads, 128);
  EXPECT_EQ(c.head_dim, 0);
  EXPECT_EQ(c.max_position_embeddings, 163840);
  EXPECT_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_EQ(c.q_lora_rank, 1536);
  EXPECT_EQ(c.kv_lora_rank, 512);
  EXPECT_EQ(c.qk_nope_head_dim, 128);
  EXPECT_EQ(c.qk_rope_head_dim, 64);
  EXPECT_EQ(c.q_head_dim(), 192);
  EXPECT_EQ(c.v_head_dim, 128);
  EXPECT_EQ(c.n_routed_experts, 256);
  EXPECT_EQ(c.n_shared_experts, 1);
  EXPECT_EQ(c.num_experts_per_tok, 8);
  EXPECT_EQ(c.moe_intermediate_size, 2048);
  EXPECT_EQ(c.n_group, 8);
  EXPECT_EQ(c.topk_group, 4);
  EXPECT_EQ(c.topk_method, TopkMethod::NoauxTc);
  EXPECT_EQ(c.scoring_func, ScoringFunc::Sigmoid);
  EXPECT_TRUE(c.norm_topk_prob);
  EXPECT_EQ(c.routed_scaling_factor, 2.5);
  EXPECT_EQ(c.first_k_dense_replace, 3);
  EXPECT_EQ(c.moe_layer_freq, 1);
  EXPECT_EQ(c.num_nextn_predict_layers, 1);
  EXPECT_FALSE(c.is_moe_layer(2));
  EXPECT_TRUE(c.is_moe_layer(3));
  EXPECT_TRUE(c.fp8);
  EXPECT_EQ(c.fp8_block_rows, 128);
  EXPECT_EQ(c.fp8_block_cols, 128);
  EXPECT_EQ(c.rope.theta, 10000.0);
  EXPECT_EQ(c.rope.type, RopeScaling::Yarn);
  EXPECT_EQ(c.rope.factor, 40.0);
  EXPECT_EQ(c.rope.original_max_position_embeddings, 4096);
  EXPECT_EQ(c.rope.beta_fast, 32.0);
  EXPECT_EQ(c.rope.beta_slow, 1.0);
  EXPECT_EQ(c.rope.mscale, 1.0);
  EXPECT_EQ(c.rope.mscale_all_dim, 1.0);
}

TEST(Config, DeepseekV2LiteNullsAndGreedy) {
  ModelConfig c = parse(deepseek_v2_lite());
  EXPECT_EQ(c.arch, Arch::DeepseekV2);
  EXPECT_EQ(c.q_lora_rank, 0);  // null: plain q_proj
  EXPECT_EQ(c.n_routed_experts, 64);
  EXPECT_EQ(c.n_shared_experts, 2);
  EXPECT_EQ(c.num_experts_per_tok, 6);
  EXPECT_EQ(c.topk_method, TopkMethod::Greedy);
  EXPECT_EQ(c.scoring_func, ScoringFunc::Softmax);
  EXPECT_FALSE(c.fp8);
  EXPECT_EQ(c.rope.mscale, 0.707);
  EXPECT_FALSE(c.is_moe_layer(0));
  EXPECT_TRUE(c.is_moe_layer(1));
}

TEST(Config, Qwen2AndLlama) {
  ModelConfig q = parse(qwen2_7b());
  EXPECT_EQ(q.arch, Arch::Qwen2);
  EXPECT_EQ(q.head_dim, 128);
  EXPECT_EQ(q.num_key_value_heads, 4);
  EXPECT_TRUE(q.attention_bias);  // Qwen2 always has q/k/v biases
  EXPECT_FALSE(q.mlp_bias);
  EXPECT_EQ(q.rope.type, RopeScaling::None);
  EXPECT_EQ(q.n_routed_experts, 0);
  ModelConfig l = parse(llama31_8b());
  EXPECT_EQ(l.arch, Arch::Llama);
  EXPECT_EQ(l.head_dim, 128);
  EXPECT_EQ(l.rms_norm_eps, 1e-5);
  EXPECT_EQ(l.rope.theta, 500000.0);
  EXPECT_EQ(l.rope.type, RopeScaling::Llama3);
  EXPECT_EQ(l.rope.factor, 8.0);
  EXPECT_EQ(l.rope.low_freq_factor, 1.0);
  EXPECT_EQ(l.rope.high_freq_factor, 4.0);
  EXPECT_EQ(l.rope.original_max_position_embeddings, 8192);
  EXPECT_FALSE(l.attention_bias);
  Json j = llama31_8b();
  j["attention_bias"] = true;
  j["mlp_bias"] = true;
  j["head_dim"] = 64;
  ModelConfig b = parse(j);
  EXPECT_TRUE(b.attention_bias);
  EXPECT_TRUE(b.mlp_bias);
  EXPECT_EQ(b.head_dim, 64);
}

Json minimal(const char* model_type) {
  Json j = {{"model_type", model_type}, {"vocab_size", 100},      {"hidden_size", 64},
            {"intermediate_size", 96},  {"num_hidden_layers", 2}, {"num_attention_heads", 4}};
  if (std::string(model_type).rfind("deepseek", 0) == 0) {
    j.update({{"kv_lora_rank", 16},
              {"qk_nope_head_dim", 8},
              {"qk_rope_head_dim", 4},
              {"v_head_dim", 8},
              {"n_routed_experts", 4},
              {"num_experts_per_tok", 2},
              {"moe_intermediate_size", 32}});
  }
  return j;
}

TEST(Config, Defaults) {
  ModelConfig v3 = parse(minimal("deepseek_v3"));
  EXPECT_EQ(v3.num_key_value_heads, 4);
  EXPECT_EQ(v3.max_position_embeddings, 4096);
  EXPECT_EQ(v3.rms_norm_eps, 1e-6);
  EXPECT_EQ(v3.rope.theta, 10000.0);
  EXPECT_EQ(v3.rope.type, RopeScaling::None);
  EXPECT_FALSE(v3.tie_word_embeddings);
  EXPECT_EQ(v3.q_lora_rank, 0);
  EXPECT_EQ(v3.n_shared_experts, 0);
  EXPECT_EQ(v3.n_group, 1);
  EXPECT_EQ(v3.topk_group, 1);
  EXPECT_EQ(v3.topk_method, TopkMethod::NoauxTc);
  EXPECT_EQ(v3.scoring_func, ScoringFunc::Sigmoid);
  EXPECT_FALSE(v3.norm_topk_prob);
  EXPECT_EQ(v3.routed_scaling_factor, 1.0);
  EXPECT_EQ(v3.first_k_dense_replace, 0);
  EXPECT_EQ(v3.moe_layer_freq, 1);
  EXPECT_EQ(v3.num_nextn_predict_layers, 0);
  EXPECT_FALSE(v3.fp8);
  ModelConfig v2 = parse(minimal("deepseek_v2"));
  EXPECT_EQ(v2.topk_method, TopkMethod::Greedy);
  EXPECT_EQ(v2.scoring_func, ScoringFunc::Softmax);
  EXPECT_EQ(parse(minimal("qwen2")).max_position_embeddings, 32768);
  ModelConfig l = parse(minimal("llama"));
  EXPECT_EQ(l.max_position_embeddings, 2048);
  EXPECT_EQ(l.head_dim, 16);
  EXPECT_FALSE(l.attention_bias);
  // No MoE: n_routed_experts null makes the router fields optional.
  Json dense = minimal("deepseek_v3");
  dense["n_routed_experts"] = nullptr;
  dense.erase("num_experts_per_tok");
  dense.erase("moe_intermediate_size");
  ModelConfig d = parse(dense);
  EXPECT_EQ(d.n_routed_experts, 0);
  EXPECT_FALSE(d.is_moe_layer(1));
  // fp8 with the default block; rope_type default; yarn defaults.
  Json q = minimal("deepseek_v3");
  q["quantization_config"] = {{"quant_method", "fp8"}};
  q["rope_scaling"] = {{"rope_type", "default"}};
  ModelConfig f = parse(q);
  EXPECT_TRUE(f.fp8);
  EXPECT_EQ(f.fp8_block_rows, 128);
  EXPECT_EQ(f.rope.type, RopeScaling::None);
  q["rope_scaling"] = {{"type", "yarn"}, {"factor", 4}};
  ModelConfig y = parse(q);
  EXPECT_EQ(y.rope.original_max_position_embeddings, 4096);
  EXPECT_EQ(y.rope.beta_fast, 32.0);
  EXPECT_EQ(y.rope.beta_slow, 1.0);
  EXPECT_EQ(y.rope.mscale, 1.0);
  EXPECT_EQ(y.rope.mscale_all_dim, 0.0);
}

struct ErrorCase {
  std::function<Json()> base;
  std::function<void(Json&)> edit;
  std::string needle;
};

std::vector<ErrorCase> error_cases() {
  auto v3 = deepseek_v3, qwen = qwen2_7b, llama = llama31_8b;
  auto set = [](const char* k, Json v) { return [k, v](Json& j) { j[k] = v; }; };
  auto erase = [](const char* k) { return [k](Json& j) { j.erase(k); }; };
  auto rope = [](Json v) { return [v](Json& j) { j["rope_scaling"].update(v); }; };
  auto quant = [](Json v) { return [v](Json& j) { j["quantization_config"].update(v); }; };
  return {
      {v3, set("model_type", "gpt2"),
       "field 'model_type': unknown value 'gpt2' (expected deepseek_v3, deepseek_v2, qwen2 or "
       "llama)"},
      {v3, erase("model_type"), "field 'model_type': missing"},
      {v3, set("model_type", 3), "field 'model_type': expected a string, got number 3"},
      // Built in place: copying (or dumping) a 200000-deep value would overflow the stack.
      {v3,
       [](Json& j) {
         j["model_type"] = Json::parse(std::string(200000, '[') + std::string(200000, ']'));
       },
       "field 'model_type': expected a string, got array [[[[...]]]]"},
      {v3, erase("vocab_size"), "field 'vocab_size': missing"},
      {v3, set("vocab_size", nullptr), "field 'vocab_size': missing"},
      {v3, set("hidden_size", "7168"), "field 'hidden_size': expected an integer, got string"},
      {v3, set("hidden_size", 7168.5), "field 'hidden_size': expected an integer, got number"},
      {v3, set("vocab_size", 1e30), "field 'vocab_size': expected an integer"},
      {v3, set("vocab_size", 0),
       "field 'vocab_size': value 0 is out of range (expected 1..16777216)"},
      {v3, set("vocab_size", uint64_t(1) << 63), "field 'vocab_size': value 9223372036854775808"},
      {v3, set("hidden_size", 100000), "field 'hidden_size': value 100000 is out of range"},
      {v3, set("intermediate_size", -1), "field 'intermediate_size': value -1 is out of range"},
      {v3, set("num_hidden_layers", 5000), "field 'num_hidden_layers': value 5000"},
      {v3, set("num_attention_heads", 0), "field 'num_attention_heads': value 0"},
      {v3, set("num_key_value_heads", 3),
       "field 'num_key_value_heads': num_attention_heads 128 is not a multiple of 3"},
      {v3, set("num_key_value_heads", 256), "field 'num_key_value_heads': value 256"},
      {v3, set("max_position_embeddings", 0), "field 'max_position_embeddings': value 0"},
      {v3, set("rms_norm_eps", 0), "field 'rms_norm_eps': value 0 is out of range"},
      {v3, set("rms_norm_eps", 1.5), "field 'rms_norm_eps': value 1.5"},
      {v3, set("rms_norm_eps", "small"), "field 'rms_norm_eps': expected a number, got string"},
      {v3, set("rope_theta", -1), "field 'rope_theta': value -1 is out of range (expected > 0)"},
      {v3, set("tie_word_embeddings", "yes"),
       "field 'tie_word_embeddings': expected true or false"},
      {v3, set("hidden_act", "gelu"),
       "field 'hidden_act': unsupported value 'gelu' (expected silu)"},
      {v3, set("attention_bias", true),
       "field 'attention_bias': true is unsupported for deepseek_v3"},
      {v3, erase("kv_lora_rank"), "field 'kv_lora_rank': missing"},
      {v3, set("q_lora_rank", -5), "field 'q_lora_rank': value -5"},
      {v3, set("qk_rope_head_dim", 63), "field 'qk_rope_head_dim': value 63 must be even"},
      {v3, set("qk_rope_head_dim", 0), "field 'qk_rope_head_dim': value 0 is out of range"},
      {v3, set("v_head_dim", 1 << 20), "field 'v_head_dim': value 1048576"},
      {v3, set("n_routed_experts", 5000), "field 'n_routed_experts': value 5000"},
      {v3, set("n_shared_experts", -1), "field 'n_shared_experts': value -1"},
      {v3, set("num_experts_per_tok", 0),
       "field 'num_experts_per_tok': value 0 is out of range (expected 1..256)"},
      {v3, set("num_experts_per_tok", 300), "field 'num_experts_per_tok': value 300"},
      {v3, erase("moe_intermediate_size"), "field 'moe_intermediate_size': missing"},
      {v3, set("n_group", 7),
       "field 'n_group': n_routed_experts 256 is not divisible by n_group 7"},
      {v3, set("n_group", 0), "field 'n_group': value 0"},
      {v3, set("topk_group", 9), "field 'topk_group': value 9 is out of range (expected 1..8)"},
      {v3, [](Json& j) { j["n_group"] = 64, j["topk_group"] = 1; },
       "field 'num_experts_per_tok': value 8 exceeds topk_group x experts per group = 4"},
      {v3, [](Json& j) { j["n_group"] = 256, j["topk_group"] = 8; },
       "field 'n_group': noaux_tc scores a group by its top-2 experts"},
      {v3, set("topk_method", "best"),
       "field 'topk_method': unknown value 'best' (expected greedy, group_limited_greedy or "
       "noaux_tc)"},
      {v3, set("scoring_func", "tanh"), "field 'scoring_func': unknown value 'tanh'"},
      {v3, set("routed_scaling_factor", 0), "field 'routed_scaling_factor': value 0"},
      {v3, set("first_k_dense_replace", 62),
       "field 'first_k_dense_replace': value 62 is out of range (expected 0..61)"},
      {v3, set("moe_layer_freq", 0), "field 'moe_layer_freq': value 0"},
      {v3, set("num_nextn_predict_layers", -1), "field 'num_nextn_predict_layers': value -1"},
      {v3, rope({{"type", "linear"}}),
       "field 'rope_scaling.type': unknown value 'linear' (expected yarn, llama3 or default)"},
      {v3, [](Json& j) { j["rope_scaling"].erase("type"); }, "field 'rope_scaling.type': missing"},
      {v3, [](Json& j) { j["rope_scaling"].erase("factor"); },
       "field 'rope_scaling.factor': missing"},
      {v3, rope({{"factor", 0.5}}), "field 'rope_scaling.factor': value 0.5 is out of range"},
      {v3, rope({{"beta_fast", -1}}), "field 'rope_scaling.beta_fast': value -1"},
      {v3, rope({{"original_max_position_embeddings", 0}}),
       "field 'rope_scaling.original_max_position_embeddings': value 0"},
      {v3, set("rope_scaling", 5), "field 'rope_scaling': expected an object or null, got number"},
      {v3, quant({{"quant_method", "gptq"}}),
       "field 'quantization_config.quant_method': unsupported value 'gptq' (expected fp8)"},
      {v3, [](Json& j) { j["quantization_config"].erase("quant_method"); },
       "field 'quantization_config.quant_method': missing"},
      {v3, quant({{"fmt", "e5m2"}}), "field 'quantization_config.fmt': unsupported value 'e5m2'"},
      {v3, quant({{"activation_scheme", "static"}}),
       "field 'quantization_config.activation_scheme': unsupported value 'static'"},
      {v3, quant({{"weight_block_size", {128}}}),
       "field 'quantization_config.weight_block_size': expected an array of 2 integers"},
      {v3, quant({{"weight_block_size", {0, 128}}}),
       "field 'quantization_config.weight_block_size'"},
      {v3, set("quantization_config", "fp8"), "field 'quantization_config': expected an object"},
      {v3,
       [](Json& j) {
         j["vocab_size"] = 1 << 24, j["hidden_size"] = 1 << 16, j["num_hidden_layers"] = 1024;
       },
       "parameters (limit 2^44)"},
      {qwen, set("use_sliding_window", true), "field 'use_sliding_window': true is unsupported"},
      {qwen, [](Json& j) { j["num_attention_heads"] = 27, j["num_key_value_heads"] = 27; },
       "field 'num_attention_heads': hidden_size 3584 is not divisible by 27"},
      {qwen, [](Json& j) { j["hidden_size"] = 84; }, "field 'head_dim': value 3 must be even"},
      {llama, set("head_dim", 63), "field 'head_dim': value 63 must be even"},
      {llama, set("attention_bias", "no"), "field 'attention_bias': expected true or false"},
      {llama, rope({{"high_freq_factor", 0.5}}),
       "field 'rope_scaling.high_freq_factor': value 0.5 is out of range (expected > "
       "low_freq_factor)"},
      {llama, rope({{"rope_type", "dynamic"}}),
       "field 'rope_scaling.rope_type': unknown value 'dynamic'"},
  };
}

TEST(Config, EveryErrorNamesTheField) {
  for (const ErrorCase& c : error_cases()) {
    Json j = c.base();
    c.edit(j);
    SCOPED_TRACE(c.needle);
    expect_error<ConfigError>([&] { parse(j); }, {"config.json: ", c.needle});
  }
  expect_error<ConfigError>([&] { parse(Json::array()); },
                            {"config.json: expected a JSON object at the top level, got array"});
}

TEST(Config, RoundTrip) {
  Json dense = minimal("deepseek_v2");
  dense["n_routed_experts"] = nullptr;
  for (const Json& j : {deepseek_v3(), deepseek_v2_lite(), qwen2_7b(), llama31_8b(),
                        minimal("deepseek_v3"), minimal("llama"), dense}) {
    ModelConfig c = parse(j);
    Json out = model_config_to_json(c);
    EXPECT_EQ(parse(out), c) << out.dump();
    EXPECT_EQ(out["model_type"], arch_name(c.arch));
  }
  Json v2 = model_config_to_json(parse(deepseek_v2_lite()));
  EXPECT_EQ(v2["architectures"], Json::array({"DeepseekV2ForCausalLM"}));
  EXPECT_TRUE(v2["q_lora_rank"].is_null());
  EXPECT_EQ(v2["topk_method"], "greedy");
  EXPECT_TRUE(model_config_to_json(parse(dense))["n_routed_experts"].is_null());
  Json v3 = model_config_to_json(parse(deepseek_v3()));
  EXPECT_EQ(v3["quantization_config"]["weight_block_size"], Json::array({128, 128}));
  EXPECT_EQ(v3["rope_scaling"]["type"], "yarn");
  EXPECT_EQ(model_config_to_json(parse(llama31_8b()))["rope_scaling"]["rope_type"], "llama3");
  EXPECT_EQ(model_config_to_json(parse(qwen2_7b()))["architectures"][0], "Qwen2ForCausalLM");
}

TEST(Config, LoadFromFileOrDirectory) {
  TempDir dir;
  write_text_file_atomic(dir.file("config.json"), qwen2_7b().dump(2));
  EXPECT_EQ(load_model_config(dir.path()), parse(qwen2_7b()));
  EXPECT_EQ(load_model_config(dir.file("config.json")).vocab_size, 152064);
  Json bad = qwen2_7b();
  bad["vocab_size"] = "many";
  write_text_file_atomic(dir.file("bad.json"), bad.dump());
  expect_error<ConfigError>([&] { load_model_config(dir.file("bad.json")); },
                            {dir.file("bad.json") + ": field 'vocab_size'"});
  write_text_file_atomic(dir.file("broken.json"), "{\"a\": }");
  expect_error<FormatError>([&] { load_model_config(dir.file("broken.json")); },
                            {dir.file("broken.json") + ": invalid JSON at byte"});
  expect_error<IoError>([&] { load_model_config(dir.file("none.json")); },
                        {"none.json: cannot open"});
}

}  // namespace
}  // namespace r1
