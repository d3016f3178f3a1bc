// llama-quantize's per-tensor type rules for the file types r1 convert writes, restated from
// llama.cpp's src/llama-quant.cpp (Feb 2025) for the archs r1 has (llama, qwen2, deepseek2).
#include "checkpoint/gguf_quant_mix.h"

#include <cstdio>

#include "core/error.h"

namespace r1 {

namespace {

struct OutTypeName {
  GgufOutType type;
  const char* name;
  uint32_t file_type;  // LLAMA_FTYPE_*
  GgmlType base;       // llama-quantize's default_type
};

constexpr OutTypeName kOutTypes[] = {
    {GgufOutType::F32, "f32", 0, GgmlType::F32},
    {GgufOutType::F16, "f16", 1, GgmlType::F16},
    {GgufOutType::BF16, "bf16", 32, GgmlType::BF16},
    {GgufOutType::Q8_0, "q8_0", 7, GgmlType::Q8_0},
    {GgufOutType::Q4_0, "q4_0", 2, GgmlType::Q4_0},
    {GgufOutType::Q2_K, "q2_k", 10, GgmlType::Q2_K},
    {GgufOutType::Q3_K_M, "q3_k_m", 12, GgmlType::Q3_K},
    {GgufOutType::Q4_K_M, "q4_k_m", 15, GgmlType::Q4_K},
    {GgufOutType::Q5_K_M, "q5_k_m", 17, GgmlType::Q5_K},
    {GgufOutType::Q6_K, "q6_k", 18, GgmlType::Q6_K},
    {GgufOutType::IQ4_XS, "iq4_xs", 30, GgmlType::IQ4_XS},
};

const OutTypeName& entry(GgufOutType t) {
  for (const OutTypeName& e : kOutTypes)
    if (e.type == t) return e;
  R1_ASSERT_MSG(false, "unknown GgufOutType");
  return kOutTypes[0];
}

bool contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t block_size(GgmlType t) {
  return ggml_type_info(uint32_t(t))->block_size;
}

// The layer of "blk.N.*" (llama.cpp's counters equal it: it visits tensors in layer order, one
// attn_v and one ffn_down per dense layer, and parses N for MoE models).
int64_t layer_of(const std::string& name) {
  int layer = -1;
  return std::sscanf(name.c_str(), "blk.%d.", &layer) == 1 ? layer : -1;
}

// More bits for the first and last eighth of the layers and every third one between.
bool use_more_bits(int64_t i, int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

// llama.cpp's LLM_TYPE_70B, which gives attn_v more bits: 80-layer qwen2, and 80-layer llama
// with grouped-query attention.
bool is_70b(const QuantMixModel& m) {
  if (m.n_layer != 80) return false;
  return m.arch == Arch::Qwen2 || (m.arch == Arch::Llama && m.n_head != m.n_head_kv);
}

// llama_tensor_get_type's choice before the row-size fallback, for a quantised tensor.
GgmlType mixed_type(GgufOutType t, const QuantMixModel& m, const std::string& name, int64_t row) {
  GgmlType type = entry(t).base;
  const int64_t n_gqa = m.n_head_kv > 0 ? m.n_head / m.n_head_kv : 0;
  const int64_t layer = layer_of(name);
  if (name == "output.weight" || (!m.has_output && name == "token_embd.weight")) {
    if (row % block_size(type) != 0) return GgmlType::Q8_0;
    return type == GgmlType::Q8_0 ? type : GgmlType::Q6_K;
  }
  if (name == "token_embd.weight") return type;
  if (contains(name, "attn_v.weight")) {
    if (t == GgufOutType::Q2_K)
      type = n_gqa >= 4 ? GgmlType::Q4_K : GgmlType::Q3_K;
    else if (t == GgufOutType::Q3_K_M)
      type = layer < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
    else if (t == GgufOutType::IQ4_XS && n_gqa >= 4)
      type = GgmlType::Q5_K;
    else if ((t == GgufOutType::Q4_K_M || t == GgufOutType::Q5_K_M) &&
             use_more_bits(layer, m.n_layer))
      type = GgmlType::Q6_K;
    if (is_70b(m) && (type == GgmlType::Q3_K || type == GgmlType::Q4_K)) type = GgmlType::Q5_K;
    if (m.n_expert == 8) type = GgmlType::Q8_0;
    return type;
  }
  if (contains(name, "attn_k.weight")) return m.n_expert == 8 ? GgmlType::Q8_0 : type;
  if (contains(name, "attn_q.weight")) return type;
  if (contains(name, "ffn_down")) {
    if (t == GgufOutType::Q2_K) return GgmlType::Q3_K;
    if (t == GgufOutType::Q3_K_M) return layer < m.n_layer / 16 ? GgmlType::Q5_K : GgmlType::Q4_K;
    if (t == GgufOutType::Q4_K_M) return use_more_bits(layer, m.n_layer) ? GgmlType::Q6_K : type;
    if (t == GgufOutType::IQ4_XS && layer < m.n_layer / 8) return GgmlType::Q5_K;
    if (t == GgufOutType::Q5_K_M && use_more_bits(layer, m.n_layer)) return GgmlType::Q6_K;
    return type;
  }
  if (contains(name, "attn_output.weight")) {
    if (m.n_expert == 8)
      return t == GgufOutType::Q2_K || t == GgufOutType::Q3_K_M || t == GgufOutType::Q4_K_M ||
                     t == GgufOutType::IQ4_XS
                 ? GgmlType::Q5_K
                 : type;
    if (t == GgufOutType::Q2_K) return GgmlType::Q3_K;
    if (t == GgufOutType::Q3_K_M) return GgmlType::Q4_K;
  }
  return type;
}

// llama-quantize's fallback when the row is not a whole number of the type's blocks.
GgmlType fallback(GgmlType type, int64_t row) {
  if (row % block_size(type) == 0) return type;
  switch (type) {
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::IQ4_XS:
      type = GgmlType::IQ4_NL;
      break;
    case GgmlType::Q4_K:
      type = GgmlType::Q5_0;
      break;
    case GgmlType::Q5_K:
      type = GgmlType::Q5_1;
      break;
    case GgmlType::Q6_K:
      type = GgmlType::Q8_0;
      break;
    default:  // Q8_0 / Q4_0, where llama-quantize stops with "Unsupported tensor size"
      return GgmlType::F16;
  }
  return row % block_size(type) == 0 ? type : GgmlType::F16;
}

}  // namespace

GgufOutType parse_gguf_out_type(const std::string& s) {
  for (const OutTypeName& e : kOutTypes)
    if (s == e.name) return e.type;
  throw UsageError("--type '" + s + "' is not one of " + gguf_out_type_list());
}

const char* gguf_out_type_list() {
  return "f32, f16, bf16, q8_0, q4_0, q2_k, q3_k_m, q4_k_m, q5_k_m, q6_k, iq4_xs";
}

uint32_t gguf_file_type(GgufOutType t) {
  return entry(t).file_type;
}

QuantMixModel quant_mix_model(const ModelConfig& c) {
  QuantMixModel m;
  m.arch = c.arch;
  m.n_layer = c.num_hidden_layers;
  m.n_head = c.num_attention_heads;
  m.n_head_kv = c.num_key_value_heads;
  m.n_expert = c.n_routed_experts;
  m.has_output = !c.tie_word_embeddings;
  return m;
}

GgmlType gguf_tensor_type(GgufOutType t, const QuantMixModel& m, const std::string& name,
                          const Shape& shape) {
  // ggml_n_dims >= 2: a dimension past ne[0] (PyTorch's last) above 1.
  bool matrix = false;
  for (size_t i = 0; i + 1 < shape.size(); ++i) matrix = matrix || shape[i] > 1;
  if (!matrix || !ends_with(name, "weight") || contains(name, "_norm.weight") ||
      contains(name, "ffn_gate_inp.weight"))
    return GgmlType::F32;
  const GgmlType base = entry(t).base;
  if (base == GgmlType::F32 || base == GgmlType::F16 || base == GgmlType::BF16) return base;
  const int64_t row = shape.back();
  return fallback(mixed_type(t, m, name, row), row);
}

}  // namespace r1
