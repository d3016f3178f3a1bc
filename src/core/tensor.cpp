// Tensor storage and whole-tensor dtype casts.
#include "core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/kquant_dequant.h"
#include "core/kquant_rows8.h"
#include "core/quant_blocks.h"
#include "core/quant_rows8.h"

namespace r1 {

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Tensor Tensor::zeros(DType dtype, Shape shape) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  const bool rows8 = dtype == DType::Q8_0_X8 || dtype == DType::Q4_0_X8 || is_kquant_x8(dtype);
  R1_ASSERT(rows8 ? t.shape.size() == 2 && t.shape[0] % 8 == 0 &&
                        t.shape[1] % (dtype_block_elems(dtype) / 8) == 0
          : t.shape.empty() ? dtype_block_elems(dtype) == 1
                            : t.shape.back() % dtype_block_elems(dtype) == 0);
  size_t bytes = (t.nbytes() + 63) / 64 * 64;
  if (bytes == 0) bytes = 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p)
    throw Error("out of memory allocating " + std::to_string(bytes) + " bytes for tensor " +
                shape_str(t.shape));
  std::memset(p, 0, bytes);
  t.data = p;
  t.owner = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  return t;
}

Tensor Tensor::view(DType dtype, Shape shape, const void* data, std::shared_ptr<void> owner) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data = const_cast<void*>(data);
  t.owner = std::move(owner);
  return t;
}

Tensor to_f32(const Tensor& t) {
  Tensor out = Tensor::zeros(DType::F32, t.shape);
  float* o = out.f32();
  int64_t n = t.numel();
  switch (t.dtype) {
    case DType::F32:
      std::memcpy(o, t.data, size_t(n) * 4);
      break;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) o[i] = bf16_to_f32(t.as<uint16_t>()[i]);
      break;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) o[i] = f16_to_f32(t.as<uint16_t>()[i]);
      break;
    case DType::F8_E4M3:
      for (int64_t i = 0; i < n; ++i) o[i] = fp8_e4m3_to_f32(t.as<uint8_t>()[i]);
      break;
    case DType::F64:
      for (int64_t i = 0; i < n; ++i) o[i] = float(t.as<double>()[i]);
      break;
    case DType::Q8_0:
      dequantize_row_q8_0(t.as<block_q8_0>(), o, n);
      break;
    case DType::Q4_0:
      dequantize_row_q4_0(t.as<block_q4_0>(), o, n);
      break;
    case DType::Q8_0_X8:
    case DType::Q4_0_X8:
      for (int64_t r = 0; r < t.dim(0); ++r) dequantize_row8(t, r, o + r * t.dim(1));
      break;
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
      dequantize_kquant_rows(t, 0, t.dim(0), o);
      break;
    default:
      throw FormatError(std::string("cannot convert tensor of dtype ") + dtype_name(t.dtype) +
                        " to F32");
  }
  return out;
}

Tensor cast_from_f32(const Tensor& t, DType to) {
  R1_ASSERT(t.dtype == DType::F32);
  Tensor out = Tensor::zeros(to, t.shape);
  int64_t n = t.numel();
  const float* x = t.f32();
  switch (to) {
    case DType::F32:
      std::memcpy(out.data, x, size_t(n) * 4);
      break;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) out.as<uint16_t>()[i] = f32_to_bf16(x[i]);
      break;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) out.as<uint16_t>()[i] = f32_to_f16(x[i]);
      break;
    case DType::F8_E4M3:
      for (int64_t i = 0; i < n; ++i) out.as<uint8_t>()[i] = f32_to_fp8_e4m3(x[i]);
      break;
    case DType::Q8_0:
      quantize_row_q8_0(x, out.as<block_q8_0>(), n);
      break;
    case DType::Q4_0:
      quantize_row_q4_0(x, out.as<block_q4_0>(), n);
      break;
    default:
      R1_ASSERT_MSG(false, "unsupported cast target");
  }
  return out;
}

}  // namespace r1
