// Scalar dtype conversions; the SIMD row converters live in kernels.
#include "core/dtype.h"

#include <cmath>

#include "core/kquant_blocks.h"
#include "core/quant_blocks.h"

namespace r1 {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F64:
    case DType::I64:
      return 8;
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::F16:
    case DType::BF16:
    case DType::I16:
      return 2;
    case DType::F8_E4M3:
    case DType::I8:
    case DType::U8:
    case DType::BOOL:
      return 1;
    case DType::Q8_0:
    case DType::Q4_0:
    case DType::Q8_0_X8:
    case DType::Q4_0_X8:
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::IQ4_XS:
    case DType::Q2_K_X8:
    case DType::Q3_K_X8:
    case DType::Q4_K_X8:
    case DType::Q5_K_X8:
    case DType::Q6_K_X8:
    case DType::IQ4_XS_X8:
      return 0;
  }
  return 0;
}

namespace {
struct BlockFormat {
  DType type;
  const char* name;
  int64_t elems;
  size_t bytes;
};
constexpr BlockFormat kBlockFormats[] = {
    {DType::Q8_0, "Q8_0", 32, sizeof(block_q8_0)},
    {DType::Q4_0, "Q4_0", 32, sizeof(block_q4_0)},
    {DType::Q8_0_X8, "Q8_0x8", 8 * 32, 8 * sizeof(block_q8_0)},
    {DType::Q4_0_X8, "Q4_0x8", 8 * 32, 8 * sizeof(block_q4_0)},
    {DType::Q2_K, "Q2_K", kQK_K, sizeof(block_q2_K)},
    {DType::Q3_K, "Q3_K", kQK_K, sizeof(block_q3_K)},
    {DType::Q4_K, "Q4_K", kQK_K, sizeof(block_q4_K)},
    {DType::Q5_K, "Q5_K", kQK_K, sizeof(block_q5_K)},
    {DType::Q6_K, "Q6_K", kQK_K, sizeof(block_q6_K)},
    {DType::IQ4_XS, "IQ4_XS", kQK_K, sizeof(block_iq4_xs)},
    {DType::Q2_K_X8, "Q2_Kx8", 8 * kQK_K, 8 * sizeof(block_q2_K)},
    {DType::Q3_K_X8, "Q3_Kx8", 8 * kQK_K, 8 * sizeof(block_q3_K)},
    {DType::Q4_K_X8, "Q4_Kx8", 8 * kQK_K, 8 * sizeof(block_q4_K)},
    {DType::Q5_K_X8, "Q5_Kx8", 8 * kQK_K, 8 * sizeof(block_q5_K)},
    {DType::Q6_K_X8, "Q6_Kx8", 8 * kQK_K, 8 * sizeof(block_q6_K)},
    {DType::IQ4_XS_X8, "IQ4_XSx8", 8 * kQK_K, 8 * sizeof(block_iq4_xs)},
};

const BlockFormat* block_format(DType t) {
  for (const auto& f : kBlockFormats)
    if (f.type == t) return &f;
  return nullptr;
}
}  // namespace

int64_t dtype_block_elems(DType t) {
  const BlockFormat* f = block_format(t);
  return f ? f->elems : 1;
}

size_t dtype_block_bytes(DType t) {
  const BlockFormat* f = block_format(t);
  return f ? f->bytes : dtype_size(t);
}

namespace {
struct DTypeName {
  DType type;
  const char* name;
};
constexpr DTypeName kNames[] = {
    {DType::F32, "F32"}, {DType::F16, "F16"}, {DType::BF16, "BF16"}, {DType::F8_E4M3, "F8_E4M3"},
    {DType::F64, "F64"}, {DType::I64, "I64"}, {DType::I32, "I32"},   {DType::I16, "I16"},
    {DType::I8, "I8"},   {DType::U8, "U8"},   {DType::BOOL, "BOOL"},
};
}  // namespace

const char* dtype_name(DType t) {
  if (const BlockFormat* f = block_format(t)) return f->name;
  for (const auto& n : kNames)
    if (n.type == t) return n.name;
  return "?";
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.type;
  return std::nullopt;
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: value = mant * 2^-24
      float f = std::ldexp(float(mant), -24);
      std::memcpy(&bits, &f, 4);
      bits |= sign;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7e00;
  if (a >= 65520.0f) return sign | 0x7c00;      // rounds to inf
  if (a < 6.103515625e-05f) {                   // subnormal or zero: multiple of 2^-24
    float q = std::nearbyint(a * 16777216.0f);  // round-half-even in default FP mode
    return sign | uint16_t(q);
  }
  uint32_t abits = bits & 0x7fffffffu;
  uint32_t rounded = abits + 0xfffu + ((abits >> 13) & 1u);
  uint32_t exp = (rounded >> 23) - 112;
  uint32_t mant = (rounded >> 13) & 0x3ff;
  return sign | uint16_t(exp << 10) | uint16_t(mant);
}

float fp8_e4m3_to_f32(uint8_t v) {
  uint32_t sign = v >> 7;
  uint32_t exp = (v >> 3) & 0xf;
  uint32_t mant = v & 0x7;
  float out;
  if (exp == 0xf && mant == 0x7) {
    out = NAN;
  } else if (exp == 0) {
    out = std::ldexp(float(mant), -9);  // subnormal: mant/8 * 2^-6
  } else {
    out = std::ldexp(1.0f + float(mant) / 8.0f, int(exp) - 7);
  }
  return sign ? -out : out;
}

uint8_t f32_to_fp8_e4m3(float f) {
  if (std::isnan(f)) return 0x7f;
  uint8_t sign = std::signbit(f) ? 0x80 : 0;
  float a = std::fabs(f);
  if (a >= 448.0f) return sign | 0x7e;  // saturate to max finite
  // Find the best code by rounding in the value domain; codes are monotone in value.
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  int exp_field = e - 1 + 7;
  float step = exp_field <= 0 ? std::ldexp(1.0f, -9) : std::ldexp(1.0f, e - 1 - 3);
  float q = std::nearbyint(a / step) * step;  // ties to even multiple of step
  if (q == 0.0f) return sign;
  int qe;
  std::frexp(q, &qe);
  int qexp = qe - 1 + 7;
  if (qexp <= 0) return sign | uint8_t(q / std::ldexp(1.0f, -9));
  uint8_t mant = uint8_t(std::nearbyint((q / std::ldexp(1.0f, qe - 1) - 1.0f) * 8.0f));
  return sign | uint8_t(qexp << 3) | mant;
}

}  // namespace r1
