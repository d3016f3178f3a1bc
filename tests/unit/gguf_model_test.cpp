// GGUF export and import of models: f32 GGUFs give the safetensors logits, quantised ones stay
// close, tensors are laid out as llama.cpp lays them out, and the config survives the trip.
#include "checkpoint/gguf_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "checkpoint/gguf_config.h"
#include "checkpoint/model_dir.h"
#include "core/quant_blocks.h"
#include "gguf_fixture.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

using test::closeness;
using test::Closeness;
using test::gguf_test_file;
using test::gguf_test_model;

struct Case {
  const char* preset;
  MlaLayout layout;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string s =
      std::string(info.param.preset) + (info.param.layout == MlaLayout::KbVb ? "_k_b_v_b" : "");
  for (char& ch : s)
    if (ch == '-') ch = '_';
  return s;
}

const std::vector<int32_t> kTokens = {1, 17, 300, 5, 42, 599, 8, 250, 1000, 3, 77, 512};

// Logits [T, V] through the KV cache, one token at a time.
Tensor incremental_logits(const Model& m, const std::vector<int32_t>& tokens) {
  const int64_t T = int64_t(tokens.size()), V = m.config().vocab_size;
  Tensor out = Tensor::zeros(DType::F32, {T, V});
  KvCache cache = KvCache::create(m.config(), T);
  for (int64_t t = 0; t < T; ++t) {
    const Tensor l = m.forward({tokens[size_t(t)]}, t, &cache);
    std::memcpy(out.f32() + t * V, l.f32(), size_t(V) * 4);
  }
  return out;
}

class GgufF32 : public ::testing::TestWithParam<Case> {};

TEST_P(GgufF32, LogitsEqualSafetensors) {
  const Case c = GetParam();
  const auto st = ModelDir::open(gguf_test_model(c.preset)).load_model();
  const auto gg = ModelDir::open(gguf_test_file(c.preset, GgufOutType::F32, c.layout)).load_model();
  const Tensor want = st->forward(kTokens, 0, nullptr);
  const double full = test::max_relative_error(gg->forward(kTokens, 0, nullptr), want);
  const double inc = test::max_relative_error(incremental_logits(*gg, kTokens), want);
  EXPECT_LE(full, 1e-5);
  EXPECT_LE(inc, 1e-5);
  std::cout << c.preset << ": f32 GGUF vs safetensors max rel error " << full
            << " (full sequence), " << inc << " (KV cache)\n";
}

TEST_P(GgufF32, ConfigRoundTrips) {
  const Case c = GetParam();
  const auto st = ModelDir::open(gguf_test_model(c.preset)).load_model();
  ModelConfig want = st->config();
  const ModelConfig got =
      gguf_model_config(GgufFile::open(gguf_test_file(c.preset, GgufOutType::F32, c.layout)));
  // GGUF stores reals as f32 and carries llama3 scaling as rope_freqs.
  want.rms_norm_eps = double(float(want.rms_norm_eps));
  want.rope.theta = double(float(want.rope.theta));
  want.routed_scaling_factor = double(float(want.routed_scaling_factor));
  if (want.rope.type == RopeScaling::Yarn)
    want.rope.mscale = want.rope.mscale_all_dim =
        double(float(0.1 * want.rope.mscale_all_dim)) / 0.1;
  if (want.rope.type == RopeScaling::Llama3) want.rope = RopeConfig{want.rope.theta};
  if (want.rope.type == RopeScaling::Yarn) want.rope.factor = double(float(want.rope.factor));
  EXPECT_TRUE(got == want) << "config differs after the GGUF round trip";
  EXPECT_EQ(got.arch, want.arch);
  EXPECT_EQ(got.topk_method, want.topk_method);
  EXPECT_EQ(got.num_key_value_heads, want.num_key_value_heads);
}

INSTANTIATE_TEST_SUITE_P(
    Presets, GgufF32,
    ::testing::Values(Case{"tiny", MlaLayout::KvB}, Case{"tiny", MlaLayout::KbVb},
                      Case{"tiny-v2", MlaLayout::KvB}, Case{"tiny-v2", MlaLayout::KbVb},
                      Case{"tiny-qwen2", MlaLayout::KvB}, Case{"tiny-llama", MlaLayout::KvB}),
    case_name);

// Bounds for tiny random models, whose nearly flat logits make top-1 fragile: the measured values
// are printed (worst over the presets: f16 KL 2e-9, bf16 1.3e-7, q8_0 7.6e-6, q4_0 2.9e-4; top-1
// agreement 1, 0.98, 0.94, 0.75); the bounds leave a margin of 3-5x on KL.
struct TypeBound {
  GgufOutType type;
  const char* name;
  double min_agree, max_kl;
};

TEST(GgufModel, QuantisedTypesStayCloseToF32) {
  const TypeBound bounds[] = {{GgufOutType::F16, "f16", 0.97, 1e-8},
                              {GgufOutType::BF16, "bf16", 0.9, 5e-7},
                              {GgufOutType::Q8_0, "q8_0", 0.9, 3e-5},
                              {GgufOutType::Q4_0, "q4_0", 0.6, 1e-3},
                              // The tiny presets' rows of 16-160 are no k-quant super-blocks:
                              // these files hold llama-quantize's fallbacks (Q5_0, Q5_1, IQ4_NL,
                              // Q8_0, F16), read exactly. Measured worst: q4_k_m 0.81 / 1.1e-4,
                              // q5_k_m 0.83 / 9.7e-5, q6_k (all Q8_0) as q8_0, q3_k_m, q2_k and
                              // iq4_xs 0.69 / 2.2e-4.
                              {GgufOutType::Q4_K_M, "q4_k_m", 0.6, 5e-4},
                              {GgufOutType::Q5_K_M, "q5_k_m", 0.6, 5e-4},
                              {GgufOutType::Q6_K, "q6_k", 0.9, 3e-5},
                              {GgufOutType::Q3_K_M, "q3_k_m", 0.5, 1e-3},
                              {GgufOutType::Q2_K, "q2_k", 0.5, 1e-3},
                              {GgufOutType::IQ4_XS, "iq4_xs", 0.5, 1e-3}};
  std::mt19937 rng(5);
  std::vector<int32_t> tokens(48);
  for (int32_t& t : tokens) t = int32_t(rng() % 600);
  for (const char* preset : {"tiny", "tiny-v2", "tiny-qwen2", "tiny-llama"}) {
    const Tensor ref =
        ModelDir::open(gguf_test_model(preset)).load_model()->forward(tokens, 0, nullptr);
    for (const TypeBound& b : bounds) {
      const auto m = ModelDir::open(gguf_test_file(preset, b.type)).load_model();
      const Closeness full = closeness(ref, m->forward(tokens, 0, nullptr));
      const Closeness inc = closeness(ref, incremental_logits(*m, tokens));
      std::cout << preset << " " << b.name << ": top-1 agreement " << full.agree << ", KL "
                << full.kl << ", max rel logit error " << full.rel << " (KV cache: " << inc.agree
                << ", " << inc.kl << ")\n";
      EXPECT_GE(full.agree, b.min_agree) << preset << " " << b.name;
      EXPECT_LE(full.kl, b.max_kl) << preset << " " << b.name;
      EXPECT_GE(inc.agree, b.min_agree) << preset << " " << b.name;
      EXPECT_LE(inc.kl, b.max_kl) << preset << " " << b.name;
    }
  }
}

// Rows of an f32 safetensors tensor converted as ggml converts them.
std::string expected_bytes(const Tensor& src, GgmlType type) {
  const int64_t n = src.numel(), len = src.shape.back();
  std::string out;
  for (int64_t r = 0; r < n / len; ++r) {
    const float* x = src.f32() + r * len;
    if (type == GgmlType::Q8_0) {
      std::vector<block_q8_0> b(size_t(len / 32));
      quantize_row_q8_0(x, b.data(), len);
      out.append(reinterpret_cast<const char*>(b.data()), b.size() * sizeof(block_q8_0));
    } else if (type == GgmlType::Q4_0) {
      std::vector<block_q4_0> b(size_t(len / 32));
      quantize_row_q4_0(x, b.data(), len);
      out.append(reinterpret_cast<const char*>(b.data()), b.size() * sizeof(block_q4_0));
    } else {
      for (int64_t i = 0; i < len; ++i) {
        const uint16_t h = type == GgmlType::F16 ? f32_to_f16(x[i]) : f32_to_bf16(x[i]);
        out.append(reinterpret_cast<const char*>(&h), 2);
      }
    }
  }
  return out;
}

std::string tensor_bytes(const GgufFile& f, const std::string& name) {
  const GgufTensor t = f.tensor(name);
  return std::string(static_cast<const char*>(t.data), t.nbytes);
}

TEST(GgufModel, TensorTypesAndBytesAreGgmls) {
  const WeightStore st = WeightStore::open_dir(gguf_test_model("tiny"));
  const Tensor up = st.get("model.layers.0.mlp.up_proj.weight");  // dense layer [128, 64]
  const struct {
    GgufOutType out;
    GgmlType type;
  } cases[] = {{GgufOutType::F16, GgmlType::F16},
               {GgufOutType::BF16, GgmlType::BF16},
               {GgufOutType::Q8_0, GgmlType::Q8_0},
               {GgufOutType::Q4_0, GgmlType::Q4_0}};
  for (const auto& c : cases) {
    const GgufFile f = GgufFile::open(gguf_test_file("tiny", c.out));
    const GgufTensorInfo* t = f.find_tensor("blk.0.ffn_up.weight");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->type, c.type);
    EXPECT_TRUE(tensor_bytes(f, "blk.0.ffn_up.weight") == expected_bytes(up, c.type))
        << ggml_type_name(uint32_t(c.type)) << " bytes differ from ggml's conversion";
    // Norms, biases and the router stay F32 (as convert_hf_to_gguf.py and llama-quantize keep
    // them).
    for (const char* name : {"blk.0.attn_norm.weight", "blk.1.ffn_gate_inp.weight",
                             "blk.1.exp_probs_b.bias", "output_norm.weight"})
      EXPECT_EQ(f.find_tensor(name)->type, GgmlType::F32) << name;
    EXPECT_EQ(f.get_int("general.file_type"), c.out == GgufOutType::F16    ? 1
                                              : c.out == GgufOutType::BF16 ? 32
                                              : c.out == GgufOutType::Q8_0 ? 7
                                                                           : 2);
  }
  // Q4_0's output head is Q6_K as llama-quantize makes it, which rows of 64 cannot hold: its
  // fallback Q8_0. Rows of 16 (k_b's nope) cannot be blocks at all: F16.
  EXPECT_EQ(
      GgufFile::open(gguf_test_file("tiny", GgufOutType::Q4_0)).find_tensor("output.weight")->type,
      GgmlType::Q8_0);
  const GgufFile split = GgufFile::open(gguf_test_file("tiny", GgufOutType::Q8_0, MlaLayout::KbVb));
  EXPECT_EQ(split.find_tensor("blk.0.attn_k_b.weight")->type, GgmlType::F16);
  EXPECT_EQ(split.find_tensor("blk.0.attn_v_b.weight")->type, GgmlType::Q8_0);
}

TEST(GgufModel, DeepseekLayoutsAsLlamaCpp) {
  const ModelConfig c = ModelDir::open(gguf_test_model("tiny")).load_model()->config();
  const WeightStore st = WeightStore::open_dir(gguf_test_model("tiny"));
  const Tensor kv_b = st.get("model.layers.2.self_attn.kv_b_proj.weight");  // [H*(nope+v), lora]
  const int64_t H = c.num_attention_heads, nope = c.qk_nope_head_dim, v = c.v_head_dim,
                lora = c.kv_lora_rank;
  const GgufFile whole = GgufFile::open(gguf_test_file("tiny", GgufOutType::F32));
  EXPECT_EQ(tensor_bytes(whole, "blk.2.attn_kv_b.weight"),
            std::string(static_cast<const char*>(kv_b.data), kv_b.nbytes()));
  EXPECT_EQ(whole.get_int("deepseek2.attention.head_count_kv"), H);
  EXPECT_EQ(whole.get_int("deepseek2.attention.key_length"), nope + c.qk_rope_head_dim);
  const GgufFile split = GgufFile::open(gguf_test_file("tiny", GgufOutType::F32, MlaLayout::KbVb));
  EXPECT_EQ(split.find_tensor("blk.2.attn_kv_b.weight"), nullptr);
  EXPECT_EQ(split.find_tensor("blk.2.attn_k_b.weight")->shape, (Shape{H, lora, nope}));
  EXPECT_EQ(split.find_tensor("blk.2.attn_v_b.weight")->shape, (Shape{H, v, lora}));
  const float* kb = static_cast<const float*>(split.tensor("blk.2.attn_k_b.weight").data);
  const float* vb = static_cast<const float*>(split.tensor("blk.2.attn_v_b.weight").data);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t c2 = 0; c2 < lora; ++c2) {
      for (int64_t r = 0; r < nope; ++r)  // k_b[h, c, r] = kv_b[h * (nope + v) + r, c]
        ASSERT_EQ(kb[(h * lora + c2) * nope + r], kv_b.f32()[(h * (nope + v) + r) * lora + c2]);
      for (int64_t j = 0; j < v; ++j)  // v_b[h, j, c] = kv_b[h * (nope + v) + nope + j, c]
        ASSERT_EQ(vb[(h * v + j) * lora + c2], kv_b.f32()[(h * (nope + v) + nope + j) * lora + c2]);
    }
  EXPECT_EQ(split.get_int("deepseek2.attention.head_count_kv"), 1);
  EXPECT_EQ(split.get_int("deepseek2.attention.key_length"), lora + c.qk_rope_head_dim);
  EXPECT_EQ(split.get_int("deepseek2.attention.value_length"), lora);
  EXPECT_EQ(split.get_int("deepseek2.attention.key_length_mla"), nope + c.qk_rope_head_dim);
  EXPECT_EQ(split.get_int("deepseek2.attention.value_length_mla"), v);
  // Experts stacked [E, out, in] in expert order.
  const Tensor e5 = st.get("model.layers.1.mlp.experts.5.down_proj.weight");
  const GgufTensor exps = whole.tensor("blk.1.ffn_down_exps.weight");
  EXPECT_EQ(exps.shape, (Shape{c.n_routed_experts, e5.dim(0), e5.dim(1)}));
  EXPECT_EQ(
      std::memcmp(static_cast<const char*>(exps.data) + 5 * e5.nbytes(), e5.data, e5.nbytes()), 0);
}

TEST(GgufModel, LlamaQkPermutedAndRopeFreqs) {
  const auto m = ModelDir::open(gguf_test_model("tiny-llama")).load_model();
  const ModelConfig& c = m->config();
  const WeightStore st = WeightStore::open_dir(gguf_test_model("tiny-llama"));
  const Tensor k = st.get("model.layers.1.self_attn.k_proj.weight");  // [Hk * hd, D]
  const GgufFile f = GgufFile::open(gguf_test_file("tiny-llama", GgufOutType::F32));
  const float* g = static_cast<const float*>(f.tensor("blk.1.attn_k.weight").data);
  const int64_t hd = c.head_dim, D = c.hidden_size;
  for (int64_t row = 0; row < k.dim(0); ++row) {  // convert_hf_to_gguf.py's permute
    const int64_t h = row / hd, rem = row % hd, src = h * hd + (rem % 2) * (hd / 2) + rem / 2;
    ASSERT_EQ(std::memcmp(g + row * D, k.f32() + src * D, size_t(D) * 4), 0) << row;
  }
  const GgufModel gm = open_gguf_model(gguf_test_file("tiny-llama", GgufOutType::F32));
  ASSERT_EQ(gm.rope_freq_factors.size(), size_t(hd / 2));
  // High frequencies unscaled, low ones divided by the factor (8), as Llama-3 scaling does.
  EXPECT_FLOAT_EQ(gm.rope_freq_factors.front(), 1.0f);
  EXPECT_NEAR(gm.rope_freq_factors.back(), c.rope.factor, 1e-3);
  EXPECT_EQ(gm.config.rope.type, RopeScaling::None);
}

TEST(GgufModel, Fp8CheckpointIsDequantisedWithItsScales) {
  const std::string dir = test::make_temp_dir("gguf_fp8");
  const test::RunResult r = test::run_r1("init --preset tiny --dtype fp8 --seed 3 --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  GgufExportOptions o;
  o.model = dir;
  o.out = dir + "/f32.gguf";
  o.type = GgufOutType::F32;
  o.progress = false;
  export_gguf(o);
  // The f32 GGUF holds the dequantised weights: the same logits as the fp8 checkpoint.
  const Tensor want = ModelDir::open(dir).load_model()->forward(kTokens, 0, nullptr);
  EXPECT_LE(test::max_relative_error(
                ModelDir::open(o.out).load_model()->forward(kTokens, 0, nullptr), want),
            1e-5);
}

TEST(GgufModel, ReexportFromGgufKeepsTensors) {
  // f32 GGUF (split layout) -> q8_0 GGUF (whole kv_b) equals the direct q8_0 export.
  const std::string out = test::make_temp_dir("gguf_reexport") + "/again.gguf";
  GgufExportOptions o;
  o.model = gguf_test_file("tiny", GgufOutType::F32, MlaLayout::KbVb);
  o.out = out;
  o.type = GgufOutType::Q8_0;
  o.progress = false;
  const GgufExportReport r = export_gguf(o);
  const GgufFile again = GgufFile::open(out),
                 direct = GgufFile::open(gguf_test_file("tiny", GgufOutType::Q8_0));
  ASSERT_EQ(again.tensors().size(), direct.tensors().size());
  EXPECT_EQ(r.tensors, int64_t(direct.tensors().size()));
  for (const GgufTensorInfo& t : direct.tensors())
    EXPECT_TRUE(tensor_bytes(again, t.name) == tensor_bytes(direct, t.name)) << t.name;
  EXPECT_EQ(again.get_strings("tokenizer.ggml.tokens"),
            direct.get_strings("tokenizer.ggml.tokens"));
  // llama: q/k unpermuted on import and permuted again on export, rope_freqs carried over.
  o.model = gguf_test_file("tiny-llama", GgufOutType::F32);
  o.type = GgufOutType::F32;
  export_gguf(o);
  const GgufFile llama_again = GgufFile::open(out), llama = GgufFile::open(o.model);
  for (const GgufTensorInfo& t : llama.tensors())
    EXPECT_TRUE(tensor_bytes(llama_again, t.name) == tensor_bytes(llama, t.name)) << t.name;
}

}  // namespace
}  // namespace r1
