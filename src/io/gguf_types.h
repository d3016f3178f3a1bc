// The type tables of the GGUF format: ggml tensor types (ids, names, block sizes, as in ggml.h
// and ggml-common.h) and the GGUF metadata value types, plus the format's constants and limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace r1 {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr uint32_t kGgufVersion = 3;         // written; versions 2 and 3 are read (same layout)
constexpr uint32_t kGgufDefaultAlignment = 32;
constexpr const char* kGgufAlignmentKey = "general.alignment";
constexpr size_t kGgufMaxDims = 4;                    // GGML_MAX_DIMS
constexpr size_t kGgufMaxNameBytes = 63;              // GGML_MAX_NAME (64) less the terminating NUL
constexpr uint64_t kGgufMaxStringBytes = 1ull << 30;  // ggml's GGUF_MAX_STRING_LENGTH
constexpr uint64_t kGgufMaxArrayElements = 1ull << 30;  // ggml's GGUF_MAX_ARRAY_ELEMENTS

// ggml_type ids as stored in tensor infos. Ids 4, 5, 31-33 and 36-38 belong to removed types
// and are rejected, as ggml rejects them.
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
};

struct GgmlTypeInfo {
  GgmlType type;
  const char* name;    // gguf-py's spelling: "F32", "Q8_0", "Q6_K", "BF16"
  int64_t block_size;  // values per block (1 for plain types)
  size_t block_bytes;  // bytes per block
};

// The table entry for a raw id from a file, or nullptr for an id ggml does not define.
const GgmlTypeInfo* ggml_type_info(uint32_t id);
// "Q6_K" for a known id, "unknown type 31" otherwise.
std::string ggml_type_name(uint32_t id);
// The types r1 reads and writes as tensors: F32, F16, BF16, Q8_0, Q4_0, the k-quants Q2_K..Q6_K,
// IQ4_XS, and the 32-value types llama-quantize falls back to in k-quant files (Q5_0, Q5_1,
// IQ4_NL).
bool ggml_type_supported(GgmlType t);
const char* ggml_supported_type_list();  // "F32, F16, BF16, Q8_0, Q4_0, Q2_K, ..."

// Metadata value types. ARRAY is a container: its elements all have one of the other types
// (ggml rejects arrays of arrays, and so do we).
enum class GgufType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};
constexpr uint32_t kGgufTypeCount = 13;

const char* gguf_type_name(GgufType t);  // ggml's spelling: "u8", "i32", "f32", "str", "arr"
// Bytes of one value of a fixed-size type; 0 for STRING and ARRAY.
size_t gguf_type_size(GgufType t);

}  // namespace r1
