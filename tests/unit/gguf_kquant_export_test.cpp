// `r1 convert --type q4_k_m ...` on a Qwen2 model whose rows are whole 256-value super-blocks:
// every tensor has the type llama-quantize's rules give it and holds the source rows quantised
// by the reference quantisers; general.file_type is llama.cpp's. (Byte equality with
// llama-quantize itself is checked outside CI by scripts/llamacpp_interop.sh.)
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <set>

#include "checkpoint/gguf_export.h"
#include "checkpoint/model_dir.h"
#include "core/kquant_quantize.h"
#include "gguf_fixture.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "io_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

// Qwen2 with hidden 256, 4 heads of 64 over one kv head (n_gqa 4), intermediate 512, 8 layers
// (use_more_bits picks layers 0, 3, 6, 7), tied head: every matrix row a multiple of 256.
const std::string& kquant_model() {
  static const std::string dir = [] {
    const std::string root = test::make_temp_dir("gguf_kquant");
    std::ofstream(root + "/config.json") << R"({
  "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_bias": true,
  "hidden_act": "silu", "hidden_size": 256, "head_dim": 64, "intermediate_size": 512,
  "num_attention_heads": 4, "num_key_value_heads": 1, "num_hidden_layers": 8,
  "max_position_embeddings": 1024, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
  "tie_word_embeddings": true, "vocab_size": 1024, "torch_dtype": "float32"})";
    const std::string out = root + "/model";
    const test::RunResult r = test::run_r1("init --config " + root + "/config.json --out " + out +
                                           " --dtype f32 --seed 9 " + "--tokenizer " +
                                           test::gguf_test_tokenizer("qwen2"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return out;
  }();
  return dir;
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
    r1::testing::TempDir tmp;
    GgufExportOptions o;
    o.model = kquant_model();
    o.out = tmp.file("m.gguf");
    o.type = e.out;
    o.progress = false;
    export_gguf(o);
    const GgufFile f = GgufFile::open(o.out);
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

}  // namespace
}  // namespace r1
