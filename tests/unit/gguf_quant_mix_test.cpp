// llama-quantize's per-tensor types, restated in gguf_tensor_type: checked on the shapes of
// R1-Distill-Qwen-1.5B and of a DeepSeek-V2-Lite-shaped MoE (bench/models/v3-lite-moe-4.6b.json),
// with the layers llama.cpp's use_more_bits picks written out by hand.
#include "checkpoint/gguf_quant_mix.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"

namespace r1 {
namespace {

// R1-Distill-Qwen-1.5B: 28 layers, 12 heads over 2 kv heads (n_gqa 6), hidden 1536,
// intermediate 8960 (35 super-blocks), tied embeddings.
QuantMixModel qwen_1_5b() {
  QuantMixModel m;
  m.arch = Arch::Qwen2;
  m.n_layer = 28;
  m.n_head = 12;
  m.n_head_kv = 2;
  m.has_output = false;
  return m;
}

// V2-Lite shape: 8 layers (layer 0 dense), 64 experts, hidden 2048, intermediate 10944 and
// moe_intermediate 1408 (neither a multiple of 256), untied head.
QuantMixModel v2_lite_8() {
  QuantMixModel m;
  m.arch = Arch::DeepseekV2;
  m.n_layer = 8;
  m.n_head = 16;
  m.n_head_kv = 16;
  m.n_expert = 64;
  return m;
}

std::string blk(int layer, const char* rest) {
  return "blk." + std::to_string(layer) + "." + rest;
}

GgmlType qwen(GgufOutType t, int layer, const char* rest, Shape shape) {
  return gguf_tensor_type(t, qwen_1_5b(), blk(layer, rest), shape);
}

TEST(GgufQuantMix, Qwen2Q4_K_MGivesMoreBitsToAnEighthAtEachEndAndEveryThirdLayer) {
  // use_more_bits(i, 28): i < 3, i >= 24, or (i - 3) % 3 == 2.
  const std::set<int> more = {0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27};
  for (int l = 0; l < 28; ++l) {
    const GgmlType want = more.count(l) ? GgmlType::Q6_K : GgmlType::Q4_K;
    EXPECT_EQ(qwen(GgufOutType::Q4_K_M, l, "attn_v.weight", {256, 1536}), want) << l;
    EXPECT_EQ(qwen(GgufOutType::Q4_K_M, l, "ffn_down.weight", {1536, 8960}), want) << l;
    EXPECT_EQ(qwen(GgufOutType::Q5_K_M, l, "attn_v.weight", {256, 1536}),
              more.count(l) ? GgmlType::Q6_K : GgmlType::Q5_K)
        << l;
    EXPECT_EQ(qwen(GgufOutType::Q4_K_M, l, "attn_q.weight", {1536, 1536}), GgmlType::Q4_K);
    EXPECT_EQ(qwen(GgufOutType::Q4_K_M, l, "ffn_gate.weight", {8960, 1536}), GgmlType::Q4_K);
  }
  // The tied embedding is the output head: Q6_K. Norms and biases stay F32.
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, qwen_1_5b(), "token_embd.weight", {151936, 1536}),
            GgmlType::Q6_K);
  EXPECT_EQ(qwen(GgufOutType::Q4_K_M, 3, "attn_norm.weight", {1536}), GgmlType::F32);
  EXPECT_EQ(qwen(GgufOutType::Q4_K_M, 3, "attn_q.bias", {1536}), GgmlType::F32);
}

TEST(GgufQuantMix, Qwen2LowAndHighBitMixtures) {
  const auto t = [](GgufOutType o, int l, const char* rest) {
    return qwen(o, l, rest, {1536, 1536});
  };
  // Q3_K_M: attn_v Q5_K in layers 0-1 then Q4_K; ffn_down Q5_K below 28/16 then Q4_K;
  // attn_output Q4_K; the rest Q3_K.
  EXPECT_EQ(t(GgufOutType::Q3_K_M, 1, "attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(t(GgufOutType::Q3_K_M, 2, "attn_v.weight"), GgmlType::Q4_K);
  EXPECT_EQ(t(GgufOutType::Q3_K_M, 0, "ffn_down.weight"), GgmlType::Q5_K);
  EXPECT_EQ(t(GgufOutType::Q3_K_M, 1, "ffn_down.weight"), GgmlType::Q4_K);
  EXPECT_EQ(t(GgufOutType::Q3_K_M, 9, "attn_output.weight"), GgmlType::Q4_K);
  EXPECT_EQ(t(GgufOutType::Q3_K_M, 9, "ffn_up.weight"), GgmlType::Q3_K);
  // Q2_K: attn_v Q4_K with n_gqa >= 4 (Q3_K below), ffn_down and attn_output Q3_K.
  EXPECT_EQ(t(GgufOutType::Q2_K, 5, "attn_v.weight"), GgmlType::Q4_K);
  QuantMixModel mha = qwen_1_5b();
  mha.n_head_kv = 12;
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q2_K, mha, "blk.5.attn_v.weight", {1536, 1536}),
            GgmlType::Q3_K);
  EXPECT_EQ(t(GgufOutType::Q2_K, 5, "ffn_down.weight"), GgmlType::Q3_K);
  EXPECT_EQ(t(GgufOutType::Q2_K, 5, "attn_output.weight"), GgmlType::Q3_K);
  EXPECT_EQ(t(GgufOutType::Q2_K, 5, "attn_k.weight"), GgmlType::Q2_K);
  // IQ4_XS: attn_v Q5_K (n_gqa >= 4), ffn_down Q5_K in the first eighth.
  EXPECT_EQ(t(GgufOutType::IQ4_XS, 20, "attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(t(GgufOutType::IQ4_XS, 2, "ffn_down.weight"), GgmlType::Q5_K);
  EXPECT_EQ(t(GgufOutType::IQ4_XS, 3, "ffn_down.weight"), GgmlType::IQ4_XS);
  // Q6_K: everything Q6_K; Q4_0 and Q8_0 are pure apart from the output head.
  EXPECT_EQ(t(GgufOutType::Q6_K, 0, "attn_v.weight"), GgmlType::Q6_K);
  EXPECT_EQ(t(GgufOutType::Q4_0, 0, "attn_v.weight"), GgmlType::Q4_0);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_0, qwen_1_5b(), "token_embd.weight", {151936, 1536}),
            GgmlType::Q6_K);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q8_0, qwen_1_5b(), "token_embd.weight", {151936, 1536}),
            GgmlType::Q8_0);
  EXPECT_EQ(t(GgufOutType::F16, 0, "attn_v.weight"), GgmlType::F16);
}

TEST(GgufQuantMix, SeventyBLayoutsGiveAttnVFiveBits) {
  QuantMixModel m = qwen_1_5b();
  m.n_layer = 80;
  m.n_head = 64;
  m.n_head_kv = 8;
  // use_more_bits(12, 80): (12 - 10) % 3 == 2, so Q6_K; layer 13's Q4_K is bumped to Q5_K.
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "blk.12.attn_v.weight", {1024, 8192}),
            GgmlType::Q6_K);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "blk.13.attn_v.weight", {1024, 8192}),
            GgmlType::Q5_K);
  m.arch = Arch::Llama;  // llama counts as 70B only with grouped-query attention
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q3_K_M, m, "blk.40.attn_v.weight", {1024, 8192}),
            GgmlType::Q5_K);
  m.n_head_kv = 64;
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q3_K_M, m, "blk.40.attn_v.weight", {1024, 8192}),
            GgmlType::Q4_K);
}

TEST(GgufQuantMix, DeepseekRowsThatAreNotSuperBlocksFallBack) {
  const QuantMixModel m = v2_lite_8();
  const Shape exps = {64, 2048, 1408}, shexp = {2048, 2816}, dense = {2048, 10944};
  // use_more_bits(i, 8): layers 0, 3, 6 and 7.
  for (int l = 1; l < 8; ++l) {
    const bool more = l == 3 || l == 6 || l == 7;
    EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, blk(l, "ffn_down_exps.weight"), exps),
              more ? GgmlType::Q8_0 : GgmlType::Q5_0)
        << l;  // Q6_K -> Q8_0, Q4_K -> Q5_0
    EXPECT_EQ(gguf_tensor_type(GgufOutType::Q5_K_M, m, blk(l, "ffn_down_exps.weight"), exps),
              more ? GgmlType::Q8_0 : GgmlType::Q5_1)
        << l;
    EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, blk(l, "ffn_down_shexp.weight"), shexp),
              more ? GgmlType::Q6_K : GgmlType::Q4_K)
        << l;
  }
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "blk.0.ffn_down.weight", dense),
            GgmlType::Q8_0);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q2_K, m, "blk.2.ffn_down_exps.weight", exps),
            GgmlType::IQ4_NL);  // Q3_K -> IQ4_NL
  EXPECT_EQ(gguf_tensor_type(GgufOutType::IQ4_XS, m, "blk.2.ffn_down_exps.weight", exps),
            GgmlType::IQ4_NL);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q6_K, m, "blk.2.ffn_down_exps.weight", exps),
            GgmlType::Q8_0);
  // kv_b, the untied embedding and the head; the router stays F32.
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "blk.2.attn_kv_b.weight", {4096, 512}),
            GgmlType::Q4_K);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "token_embd.weight", {102400, 2048}),
            GgmlType::Q4_K);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "output.weight", {102400, 2048}),
            GgmlType::Q6_K);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "blk.2.ffn_gate_inp.weight", {64, 2048}),
            GgmlType::F32);
  // Rows of 48 fit no 32-value block either: F16. A [1, 256] tensor is 1-D to ggml: F32.
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "blk.2.attn_q_a.weight", {64, 48}),
            GgmlType::F16);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_0, m, "blk.2.attn_q_a.weight", {64, 48}),
            GgmlType::F16);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "blk.2.attn_q_a.weight", {1, 256}),
            GgmlType::F32);
}

TEST(GgufQuantMix, EightExpertsGiveAttentionOutputFiveBits) {
  QuantMixModel m = v2_lite_8();
  m.n_expert = 8;
  const Shape shape = {2048, 2048};
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q4_K_M, m, "blk.1.attn_output.weight", shape),
            GgmlType::Q5_K);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q2_K, m, "blk.1.attn_output.weight", shape),
            GgmlType::Q5_K);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q5_K_M, m, "blk.1.attn_output.weight", shape),
            GgmlType::Q5_K);
  EXPECT_EQ(gguf_tensor_type(GgufOutType::Q6_K, m, "blk.1.attn_output.weight", shape),
            GgmlType::Q6_K);
}

TEST(GgufQuantMix, FileTypesAndNames) {
  EXPECT_EQ(gguf_file_type(parse_gguf_out_type("q4_k_m")), 15u);
  EXPECT_EQ(gguf_file_type(parse_gguf_out_type("q5_k_m")), 17u);
  EXPECT_EQ(gguf_file_type(parse_gguf_out_type("q3_k_m")), 12u);
  EXPECT_EQ(gguf_file_type(parse_gguf_out_type("q2_k")), 10u);
  EXPECT_EQ(gguf_file_type(parse_gguf_out_type("q6_k")), 18u);
  EXPECT_EQ(gguf_file_type(parse_gguf_out_type("iq4_xs")), 30u);
  EXPECT_EQ(gguf_file_type(parse_gguf_out_type("bf16")), 32u);
  EXPECT_THROW(parse_gguf_out_type("q4_k"), UsageError);
}

}  // namespace
}  // namespace r1
