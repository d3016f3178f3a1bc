// ggml's type traits (names, block sizes) and the GGUF value type names and sizes.
#include "io/gguf_types.h"

namespace r1 {

namespace {

constexpr int64_t kQK_K = 256;  // super-block size of the k-quants and i-quants

// Block sizes and bytes per block from ggml.c's type_traits and ggml-common.h's block structs.
constexpr GgmlTypeInfo kGgmlTypes[] = {
    {GgmlType::F32, "F32", 1, 4},
    {GgmlType::F16, "F16", 1, 2},
    {GgmlType::Q4_0, "Q4_0", 32, 18},
    {GgmlType::Q4_1, "Q4_1", 32, 20},
    {GgmlType::Q5_0, "Q5_0", 32, 22},
    {GgmlType::Q5_1, "Q5_1", 32, 24},
    {GgmlType::Q8_0, "Q8_0", 32, 34},
    {GgmlType::Q8_1, "Q8_1", 32, 36},
    {GgmlType::Q2_K, "Q2_K", kQK_K, 84},
    {GgmlType::Q3_K, "Q3_K", kQK_K, 110},
    {GgmlType::Q4_K, "Q4_K", kQK_K, 144},
    {GgmlType::Q5_K, "Q5_K", kQK_K, 176},
    {GgmlType::Q6_K, "Q6_K", kQK_K, 210},
    {GgmlType::Q8_K, "Q8_K", kQK_K, 292},
    {GgmlType::IQ2_XXS, "IQ2_XXS", kQK_K, 66},
    {GgmlType::IQ2_XS, "IQ2_XS", kQK_K, 74},
    {GgmlType::IQ3_XXS, "IQ3_XXS", kQK_K, 98},
    {GgmlType::IQ1_S, "IQ1_S", kQK_K, 50},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 18},
    {GgmlType::IQ3_S, "IQ3_S", kQK_K, 110},
    {GgmlType::IQ2_S, "IQ2_S", kQK_K, 82},
    {GgmlType::IQ4_XS, "IQ4_XS", kQK_K, 136},
    {GgmlType::I8, "I8", 1, 1},
    {GgmlType::I16, "I16", 1, 2},
    {GgmlType::I32, "I32", 1, 4},
    {GgmlType::I64, "I64", 1, 8},
    {GgmlType::F64, "F64", 1, 8},
    {GgmlType::IQ1_M, "IQ1_M", kQK_K, 56},
    {GgmlType::BF16, "BF16", 1, 2},
    {GgmlType::TQ1_0, "TQ1_0", kQK_K, 54},
    {GgmlType::TQ2_0, "TQ2_0", kQK_K, 66},
    {GgmlType::MXFP4, "MXFP4", 32, 17},
    {GgmlType::NVFP4, "NVFP4", 64, 36},
    {GgmlType::Q1_0, "Q1_0", 128, 18},
    {GgmlType::Q2_0, "Q2_0", 64, 18},
};

constexpr const char* kGgufTypeNames[kGgufTypeCount] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"};
constexpr size_t kGgufTypeSizes[kGgufTypeCount] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

}  // namespace

const GgmlTypeInfo* ggml_type_info(uint32_t id) {
  for (const GgmlTypeInfo& t : kGgmlTypes)
    if (static_cast<uint32_t>(t.type) == id) return &t;
  return nullptr;
}

std::string ggml_type_name(uint32_t id) {
  const GgmlTypeInfo* t = ggml_type_info(id);
  return t ? std::string(t->name) : "unknown type " + std::to_string(id);
}

bool ggml_type_supported(GgmlType t) {
  switch (t) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q8_0:
    case GgmlType::Q4_0:
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::IQ4_XS:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::IQ4_NL:
      return true;
    default:
      return false;
  }
}

const char* ggml_supported_type_list() {
  return "F32, F16, BF16, Q8_0, Q4_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS, Q5_0, Q5_1, IQ4_NL";
}

const char* gguf_type_name(GgufType t) {
  uint32_t i = static_cast<uint32_t>(t);
  return i < kGgufTypeCount ? kGgufTypeNames[i] : "?";
}

size_t gguf_type_size(GgufType t) {
  uint32_t i = static_cast<uint32_t>(t);
  return i < kGgufTypeCount ? kGgufTypeSizes[i] : 0;
}

}  // namespace r1
