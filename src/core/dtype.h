// Element types of tensors and the scalar conversions between them (bf16, f16, fp8-e4m3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace r1 {

// Q8_0 and Q4_0 are ggml's block formats (core/quant_blocks.h): 32 values per block of 34 or
// 18 bytes, blocks running along the last dimension. Q8_0_X8 and Q4_0_X8 hold the same blocks
// of a matrix with 8 rows interleaved (block_q8_0x8 / block_q4_0x8: 8 rows x 32 values per
// block), the in-memory layout of the decode kernels; they never appear in files.
// Q2_K..Q6_K and IQ4_XS are ggml's 256-value super-block formats (core/kquant_blocks.h); their
// _X8 twins hold 8 rows interleaved (core/kquant_rows8.h), in memory only, as the X8s above.
enum class DType {
  F32, F16, BF16, F8_E4M3, F64, I64, I32, I16, I8, U8, BOOL, Q8_0, Q4_0, Q8_0_X8, Q4_0_X8,
  Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS,
  Q2_K_X8, Q3_K_X8, Q4_K_X8, Q5_K_X8, Q6_K_X8, IQ4_XS_X8
};

size_t dtype_size(DType t);          // bytes per element; 0 for the block formats
int64_t dtype_block_elems(DType t);  // values per block: 32 for Q8_0/Q4_0, 256 for their X8s
                                     // and the k-quants, 8 * 256 for the k-quant X8s, else 1
size_t dtype_block_bytes(DType t);   // bytes per block (dtype_size for scalar types)
const char* dtype_name(DType t);     // "F32", "BF16", "F8_E4M3", ..., "Q8_0", "Q4_0", "Q4_0x8", "Q4_K"
// The safetensors spellings only (block formats are not safetensors dtypes).
std::optional<DType> dtype_from_name(std::string_view name);

inline float bf16_to_f32(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Round to nearest even, NaN stays NaN (as torch does).
inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return uint16_t((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return uint16_t(bits >> 16);
}

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);  // round to nearest even, overflow to inf

// OCP FP8 E4M3 ("fn": no infinities, 0x7f/0xff are NaN, max 448), as torch.float8_e4m3fn.
float fp8_e4m3_to_f32(uint8_t v);
uint8_t f32_to_fp8_e4m3(float f);  // round to nearest even, saturating to +-448

}  // namespace r1
