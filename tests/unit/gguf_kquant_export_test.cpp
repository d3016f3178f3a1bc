// `r1 convert --type q4_k_m ...` on models whose rows are whole 256-value super-blocks (a qwen2;
// a deepseek2 whose expert rows are not, so it also holds the fallbacks): every tensor has the
// type llama-quantize's rules give it and holds the source rows quantised by the reference
// quantisers, general.file_type is llama.cpp's, and the files load and decode close to the f32
// model. (Byte equality with llama-quantize itself is checked outside CI by
// scripts/llamacpp_interop.sh.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "checkpoint/gguf_export.h"
#include "checkpoint/model_dir.h"
#include "core/kquant_quantize.h"
#include "gguf_fixture.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "io_test_util.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

// A model from `config` (JSON) with random f32 weights and the trained tokenizer of `family`.
std::string make_model(const std::string& tag, const std::string& config,
                       const std::string& family) {
  const std::string root = test::make_temp_dir("gguf_kquant_" + tag);
  std::ofstream(root + "/config.json") << config;
  const std::string out = root + "/model";
  const test::RunResult r =
      test::run_r1("init --config " + root + "/config.json --out " + out + " --dtype f32 --seed 9" +
                   " --tokenizer " + test::gguf_test_tokenizer(family));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return out;
}

// Qwen2 with hidden 256, 4 heads of 64 over one kv head (n_gqa 4), intermediate 256, 8 layers
// (use_more_bits picks layers 0, 3, 6, 7), tied head: every matrix row a multiple of 256.
const std::string& kquant_model() {
  static const std::string dir = make_model("qwen2", R"({
  "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_bias": true,
  "hidden_act": "silu", "hidden_size": 256, "head_dim": 64, "intermediate_size": 256,
  "num_attention_heads": 4, "num_key_value_heads": 1, "num_hidden_layers": 8,
  "max_position_embeddings": 1024, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
  "tie_word_embeddings": true, "vocab_size": 1024, "torch_dtype": "float32"})",
                                            "qwen2");
  return dir;
}

// DeepSeek-V3 with hidden 256, q/kv lora 256, 4 heads (H * v = 256), dense layer 0 of 512, then
// 8 experts of 352 and a shared one (rows of 352: the fallbacks), untied head.
const std::string& kquant_deepseek() {
  static const std::string dir = make_model("deepseek2", R"({
  "architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3", "hidden_act": "silu",
  "hidden_size": 256, "intermediate_size": 512, "moe_intermediate_size": 352,
  "num_hidden_layers": 3, "first_k_dense_replace": 1, "num_attention_heads": 4,
  "num_key_value_heads": 4, "q_lora_rank": 256, "kv_lora_rank": 256, "qk_nope_head_dim": 64,
  "qk_rope_head_dim": 32, "v_head_dim": 64, "n_routed_experts": 8, "n_shared_experts": 1,
  "num_experts_per_tok": 2, "n_group": 1, "topk_group": 1, "topk_method": "noaux_tc",
  "scoring_func": "sigmoid", "norm_topk_prob": true, "routed_scaling_factor": 2.5,
  "moe_layer_freq": 1, "max_position_embeddings": 1024, "rms_norm_eps": 1e-06,
  "rope_theta": 10000.0, "tie_word_embeddings": false, "vocab_size": 1024,
  "torch_dtype": "float32"})",
                                            "deepseek-v3");
  return dir;
}

// The model exported as `type` (made once per test run).
const std::string& exported(const std::string& model, GgufOutType type) {
  static std::map<std::pair<std::string, int>, std::string> files;
  const auto key = std::make_pair(model, int(type));
  auto it = files.find(key);
  if (it != files.end()) return it->second;
  GgufExportOptions o;
  o.model = model;
  o.out = model + "-" + std::to_string(int(type)) + ".gguf";
  o.type = type;
  o.progress = false;
  export_gguf(o);
  return files.emplace(key, o.out).first->second;
}

// The rows of `src` ([.., len]) quantised to `type` by the reference quantisers.
std::string quantised(const Tensor& src, GgmlType type) {
  const int64_t len = src.shape.back(), rows = src.numel() / len;
  const GgmlTypeInfo* info = ggml_type_info(uint32_t(type));
  std::string out(size_t(src.numel() / info->block_size) * info->block_bytes, '\0');
  const size_t row_bytes = out.size() / size_t(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = src.f32() + r * len;
    void* y = out.data() + size_t(r) * row_bytes;
    switch (type) {
      case GgmlType::Q2_K:
        quantize_row_q2_K(x, static_cast<block_q2_K*>(y), len);
        break;
      case GgmlType::Q3_K:
        quantize_row_q3_K(x, static_cast<block_q3_K*>(y), len);
        break;
      case GgmlType::Q4_K:
        quantize_row_q4_K(x, static_cast<block_q4_K*>(y), len);
        break;
      case GgmlType::Q5_K:
        quantize_row_q5_K(x, static_cast<block_q5_K*>(y), len);
        break;
      case GgmlType::Q6_K:
        quantize_row_q6_K(x, static_cast<block_q6_K*>(y), len);
        break;
      case GgmlType::IQ4_XS:
        quantize_row_iq4_xs(x, static_cast<block_iq4_xs*>(y), len);
        break;
      default:
        ADD_FAILURE() << "unexpected type " << info->name;
    }
  }
  return out;
}

std::string tensor_bytes(const GgufFile& f, const std::string& name) {
  const GgufTensor t = f.tensor(name);
  return std::string(static_cast<const char*>(t.data), t.nbytes);
}

struct Expected {
  GgufOutType out;
  uint32_t file_type;
  // Types of blk.L.attn_v (L = 0, 1, 2), blk.L.ffn_down (L = 0, 1, 3), attn_q, attn_output,
  // token_embd.
  GgmlType v0, v1, v2, down0, down1, down3, q, o, embd;
};

TEST(GgufKQuantExport, TypesFollowLlamaQuantizeAndBytesAreTheReferenceQuantisers) {
  using G = GgmlType;
  const Expected cases[] = {
      {GgufOutType::Q4_K_M, 15, G::Q6_K, G::Q4_K, G::Q4_K, G::Q6_K, G::Q4_K, G::Q6_K, G::Q4_K,
       G::Q4_K, G::Q6_K},
      {GgufOutType::Q5_K_M, 17, G::Q6_K, G::Q5_K, G::Q5_K, G::Q6_K, G::Q5_K, G::Q6_K, G::Q5_K,
       G::Q5_K, G::Q6_K},
      {GgufOutType::Q3_K_M, 12, G::Q5_K, G::Q5_K, G::Q4_K, G::Q4_K, G::Q4_K, G::Q4_K, G::Q3_K,
       G::Q4_K, G::Q6_K},
      {GgufOutType::Q2_K, 10, G::Q4_K, G::Q4_K, G::Q4_K, G::Q3_K, G::Q3_K, G::Q3_K, G::Q2_K,
       G::Q3_K, G::Q6_K},
      {GgufOutType::Q6_K, 18, G::Q6_K, G::Q6_K, G::Q6_K, G::Q6_K, G::Q6_K, G::Q6_K, G::Q6_K,
       G::Q6_K, G::Q6_K},
      {GgufOutType::IQ4_XS, 30, G::Q5_K, G::Q5_K, G::Q5_K, G::Q5_K, G::IQ4_XS, G::IQ4_XS, G::IQ4_XS,
       G::IQ4_XS, G::Q6_K},
  };
  const WeightStore st = WeightStore::open_dir(kquant_model());
  const auto hf = [](int l, const char* rest) {
    return "model.layers." + std::to_string(l) + "." + rest;
  };
  for (const Expected& e : cases) {
    const GgufFile f = GgufFile::open(exported(kquant_model(), e.out));
    EXPECT_EQ(f.get_int("general.file_type"), e.file_type);
    const struct {
      const char* gguf;
      std::string hf;
      G type;
    } checks[] = {
        {"blk.0.attn_v.weight", hf(0, "self_attn.v_proj.weight"), e.v0},
        {"blk.1.attn_v.weight", hf(1, "self_attn.v_proj.weight"), e.v1},
        {"blk.2.attn_v.weight", hf(2, "self_attn.v_proj.weight"), e.v2},
        {"blk.0.ffn_down.weight", hf(0, "mlp.down_proj.weight"), e.down0},
        {"blk.1.ffn_down.weight", hf(1, "mlp.down_proj.weight"), e.down1},
        {"blk.3.ffn_down.weight", hf(3, "mlp.down_proj.weight"), e.down3},
        {"blk.4.attn_q.weight", hf(4, "self_attn.q_proj.weight"), e.q},
        {"blk.5.attn_output.weight", hf(5, "self_attn.o_proj.weight"), e.o},
        {"token_embd.weight", "model.embed_tokens.weight", e.embd},
    };
    for (const auto& c : checks) {
      const GgufTensorInfo* t = f.find_tensor(c.gguf);
      ASSERT_NE(t, nullptr) << c.gguf;
      EXPECT_EQ(t->type, c.type) << int(e.out) << " " << c.gguf;
      EXPECT_TRUE(tensor_bytes(f, c.gguf) == quantised(st.get(c.hf), c.type))
          << int(e.out) << " " << c.gguf << ": bytes differ from the reference quantiser";
    }
    // Every tensor has the type the rules give it; 1-D ones stay F32.
    const QuantMixModel m = quant_mix_model(ModelDir::open(kquant_model()).config());
    for (const GgufTensorInfo& t : f.tensors())
      EXPECT_EQ(t.type, gguf_tensor_type(e.out, m, t.name, t.shape)) << t.name;
    EXPECT_EQ(f.find_tensor("blk.3.attn_k.bias")->type, G::F32);
  }
}

TEST(GgufKQuantExport, DeepseekTypesFollowLlamaQuantize) {
  const QuantMixModel m = quant_mix_model(ModelDir::open(kquant_deepseek()).config());
  EXPECT_EQ(m.n_expert, 8);
  for (GgufOutType t : {GgufOutType::Q4_K_M, GgufOutType::Q5_K_M, GgufOutType::Q2_K}) {
    const GgufFile f = GgufFile::open(exported(kquant_deepseek(), t));
    std::set<GgmlType> seen;
    for (const GgufTensorInfo& info : f.tensors()) {
      EXPECT_EQ(info.type, gguf_tensor_type(t, m, info.name, info.shape)) << info.name;
      seen.insert(info.type);
    }
    // 8 experts: attn_output is Q5_K for q4_k_m and q2_k, the base type for q5_k_m.
    EXPECT_EQ(f.find_tensor("blk.1.attn_output.weight")->type, GgmlType::Q5_K);
    const GgmlType exps = f.find_tensor("blk.1.ffn_down_exps.weight")->type;
    EXPECT_EQ(exps, t == GgufOutType::Q4_K_M   ? GgmlType::Q5_0
                    : t == GgufOutType::Q5_K_M ? GgmlType::Q5_1
                                               : GgmlType::IQ4_NL);
  }
}

// Logits [T, V] through the KV cache, one token at a time (the decode kernels).
Tensor incremental_logits(const Model& model, const std::vector<int32_t>& tokens) {
  const int64_t T = int64_t(tokens.size()), V = model.config().vocab_size;
  Tensor out = Tensor::zeros(DType::F32, {T, V});
  KvCache cache = KvCache::create(model.config(), T);
  for (int64_t t = 0; t < T; ++t) {
    const Tensor l = model.forward({tokens[size_t(t)]}, t, &cache);
    std::memcpy(out.f32() + t * V, l.f32(), size_t(V) * 4);
  }
  return out;
}

// Share of rows whose argmax agrees.
double top1_agreement(const Tensor& a, const Tensor& b) {
  const int64_t T = a.dim(0), V = a.dim(1);
  int64_t same = 0;
  for (int64_t t = 0; t < T; ++t) {
    const float* x = a.f32() + t * V;
    const float* y = b.f32() + t * V;
    same += std::max_element(x, x + V) - x == std::max_element(y, y + V) - y;
  }
  return double(same) / double(T);
}

// Each file decodes (prompt at once: the prefill kernels; one token at a time: the decode
// kernels) close to the f32 model. Bounds from measured values with a margin (random weights:
// nearly flat logits, so top-1 is fragile); printed for the record.
TEST(GgufKQuantExport, FilesLoadAndStayCloseToF32) {
  // Measured (qwen2, deepseek2): q6_k 0.046, 0.31; q5_k_m 0.082, 0.38; q4_k_m 0.15, 0.35;
  // iq4_xs 0.17, 0.39; q3_k_m 0.20, 0.53; q2_k 0.38, 0.91 (the deepseek2's expert rows take the
  // 32-value fallbacks, its 352-wide rows the coarser ones).
  const struct {
    GgufOutType type;
    const char* name;
    double max_rel_qwen2, max_rel_deepseek2;
  } bounds[] = {
      {GgufOutType::Q6_K, "q6_k", 0.08, 0.45},     {GgufOutType::Q5_K_M, "q5_k_m", 0.13, 0.55},
      {GgufOutType::Q4_K_M, "q4_k_m", 0.23, 0.55}, {GgufOutType::IQ4_XS, "iq4_xs", 0.25, 0.6},
      {GgufOutType::Q3_K_M, "q3_k_m", 0.3, 0.8},   {GgufOutType::Q2_K, "q2_k", 0.57, 1.35}};
  std::vector<int32_t> tokens;
  for (int i = 0; i < 24; ++i) tokens.push_back(int32_t((i * 131 + 7) % 600));
  for (const std::string& model : {kquant_model(), kquant_deepseek()}) {
    const Tensor ref = ModelDir::open(model).load_model()->forward(tokens, 0, nullptr);
    for (const auto& b : bounds) {
      const auto m = ModelDir::open(exported(model, b.type)).load_model();
      const Tensor full = m->forward(tokens, 0, nullptr);
      const Tensor inc = incremental_logits(*m, tokens);
      const double rel = test::max_relative_error(full, ref);
      const double rel_inc = test::max_relative_error(inc, ref);
      std::cout << (model == kquant_model() ? "qwen2 " : "deepseek2 ") << b.name
                << ": max rel logit error " << rel << " (KV cache " << rel_inc
                << "), top-1 agreement " << top1_agreement(full, ref) << " ("
                << top1_agreement(inc, ref) << ")\n";
      const double max_rel = model == kquant_model() ? b.max_rel_qwen2 : b.max_rel_deepseek2;
      EXPECT_LE(rel, max_rel) << b.name;
      EXPECT_LE(rel_inc, max_rel) << b.name;
    }
  }
}

}  // namespace
}  // namespace r1
