// Interleaving k-quant rows by 8 and extracting one row back, driven by each block's field list.
#include "core/kquant_rows8.h"

#include <cstddef>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/kquant_blocks.h"
#include "core/kquant_dequant.h"

namespace r1 {

namespace {

struct Field {
  size_t offset, size, unit;
};

struct Layout {
  DType base, x8;
  size_t block;
  std::vector<Field> fields;
};

const std::vector<Layout>& layouts() {
  static const std::vector<Layout> all = {
      {DType::Q2_K,
       DType::Q2_K_X8,
       sizeof(block_q2_K),
       {{offsetof(block_q2_K, scales), 16, 4},
        {offsetof(block_q2_K, qs), 64, 4},
        {offsetof(block_q2_K, d), 2, 2},
        {offsetof(block_q2_K, dmin), 2, 2}}},
      {DType::Q3_K,
       DType::Q3_K_X8,
       sizeof(block_q3_K),
       {{offsetof(block_q3_K, hmask), 32, 4},
        {offsetof(block_q3_K, qs), 64, 4},
        {offsetof(block_q3_K, scales), 12, 4},
        {offsetof(block_q3_K, d), 2, 2}}},
      {DType::Q4_K,
       DType::Q4_K_X8,
       sizeof(block_q4_K),
       {{offsetof(block_q4_K, d), 2, 2},
        {offsetof(block_q4_K, dmin), 2, 2},
        {offsetof(block_q4_K, scales), 12, 4},
        {offsetof(block_q4_K, qs), 128, 4}}},
      {DType::Q5_K,
       DType::Q5_K_X8,
       sizeof(block_q5_K),
       {{offsetof(block_q5_K, d), 2, 2},
        {offsetof(block_q5_K, dmin), 2, 2},
        {offsetof(block_q5_K, scales), 12, 4},
        {offsetof(block_q5_K, qh), 32, 4},
        {offsetof(block_q5_K, qs), 128, 4}}},
      {DType::Q6_K,
       DType::Q6_K_X8,
       sizeof(block_q6_K),
       {{offsetof(block_q6_K, ql), 128, 4},
        {offsetof(block_q6_K, qh), 64, 4},
        {offsetof(block_q6_K, scales), 16, 4},
        {offsetof(block_q6_K, d), 2, 2}}},
      {DType::IQ4_XS,
       DType::IQ4_XS_X8,
       sizeof(block_iq4_xs),
       {{offsetof(block_iq4_xs, d), 2, 2},
        {offsetof(block_iq4_xs, scales_h), 2, 2},
        {offsetof(block_iq4_xs, scales_l), 4, 4},
        {offsetof(block_iq4_xs, qs), 128, 4}}},
  };
  return all;
}

const Layout* layout_of(DType t) {
  for (const Layout& l : layouts())
    if (l.base == t || l.x8 == t) return &l;
  return nullptr;
}

// Byte offset of unit k of field f of row `lane` within an 8-row group block.
size_t x8_offset(const Field& f, size_t k, int lane) {
  return 8 * f.offset + (8 * k + size_t(lane)) * f.unit;
}

void block_to_x8(const Layout& l, const uint8_t* block, int lane, uint8_t* x8) {
  for (const Field& f : l.fields)
    for (size_t k = 0; k < f.size / f.unit; ++k)
      std::memcpy(x8 + x8_offset(f, k, lane), block + f.offset + k * f.unit, f.unit);
}

void x8_to_block(const Layout& l, const uint8_t* x8, int lane, uint8_t* block) {
  for (const Field& f : l.fields)
    for (size_t k = 0; k < f.size / f.unit; ++k)
      std::memcpy(block + f.offset + k * f.unit, x8 + x8_offset(f, k, lane), f.unit);
}

}  // namespace

bool is_kquant_x8(DType t) {
  const Layout* l = layout_of(t);
  return l && l->x8 == t;
}

DType kquant_x8_of(DType base) {
  const Layout* l = layout_of(base);
  R1_ASSERT_MSG(l && l->base == base, "kquant_x8_of: not a k-quant dtype");
  return l->x8;
}

DType kquant_base_of(DType x8) {
  const Layout* l = layout_of(x8);
  R1_ASSERT_MSG(l && l->x8 == x8, "kquant_base_of: not a k-quant X8 dtype");
  return l->base;
}

Tensor interleave_kquant_rows8(const Tensor& t) {
  const Layout* l = layout_of(t.dtype);
  R1_ASSERT_MSG(l && l->base == t.dtype && t.shape.size() == 2 && t.dim(0) % 8 == 0,
                "interleave_kquant_rows8: a k-quant [8k, 256m] matrix only");
  Tensor out = Tensor::zeros(l->x8, t.shape);
  const int64_t nb = t.dim(1) / kQK_K;
  const uint8_t* src = t.as<uint8_t>();
  uint8_t* dst = out.as<uint8_t>();
  for (int64_t r = 0; r < t.dim(0); ++r)
    for (int64_t b = 0; b < nb; ++b)
      block_to_x8(*l, src + size_t(r * nb + b) * l->block, int(r % 8),
                  dst + size_t((r / 8) * nb + b) * 8 * l->block);
  return out;
}

void extract_kquant_row8(const Tensor& t, int64_t r, void* blocks) {
  const Layout* l = layout_of(t.dtype);
  R1_ASSERT_MSG(l && l->x8 == t.dtype, "extract_kquant_row8: a k-quant X8 tensor only");
  const int64_t nb = t.dim(1) / kQK_K;
  const uint8_t* src = t.as<uint8_t>();
  for (int64_t b = 0; b < nb; ++b)
    x8_to_block(*l, src + size_t((r / 8) * nb + b) * 8 * l->block, int(r % 8),
                static_cast<uint8_t*>(blocks) + size_t(b) * l->block);
}

void dequantize_kquant_rows(const Tensor& t, int64_t r0, int64_t r1, float* out) {
  const int64_t n = t.dim(1);
  if (!is_kquant_x8(t.dtype)) {
    const size_t row_bytes = size_t(n / kQK_K) * dtype_block_bytes(t.dtype);
    return dequantize_row_kquant(t.dtype, t.as<uint8_t>() + size_t(r0) * row_bytes, out,
                                 (r1 - r0) * n);
  }
  const DType base = kquant_base_of(t.dtype);
  thread_local std::vector<uint8_t> row;
  row.resize(size_t(n / kQK_K) * dtype_block_bytes(base));
  for (int64_t r = r0; r < r1; ++r) {
    extract_kquant_row8(t, r, row.data());
    dequantize_row_kquant(base, row.data(), out + (r - r0) * n, n);
  }
}

}  // namespace r1
