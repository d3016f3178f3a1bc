// Random k-quant weights: random bytes, then the fp16 scale fields overwritten with sane values.
#include "kquant_test_util.h"

#include <cstddef>
#include <cstring>
#include <vector>

#include "core/dtype.h"
#include "core/kquant_blocks.h"

namespace r1::test {

namespace {

// Byte offsets of the fp16 scales within a block of each type (core/kquant_blocks.h).
std::vector<size_t> scale_offsets(DType t) {
  switch (t) {
    case DType::Q2_K:
      return {offsetof(block_q2_K, d), offsetof(block_q2_K, dmin)};
    case DType::Q3_K:
      return {offsetof(block_q3_K, d)};
    case DType::Q4_K:
      return {offsetof(block_q4_K, d), offsetof(block_q4_K, dmin)};
    case DType::Q5_K:
      return {offsetof(block_q5_K, d), offsetof(block_q5_K, dmin)};
    case DType::Q6_K:
      return {offsetof(block_q6_K, d)};
    default:
      return {offsetof(block_iq4_xs, d)};
  }
}

}  // namespace

WeightMatrix random_kquant_matrix(DType dtype, int64_t out, int64_t in, std::mt19937& rng) {
  WeightMatrix m;
  m.w = Tensor::zeros(dtype, {out, in});
  uint8_t* bytes = m.w.as<uint8_t>();
  for (size_t i = 0; i < m.w.nbytes(); ++i) bytes[i] = uint8_t(rng());
  std::uniform_real_distribution<float> mag(0.005f, 0.02f);
  const size_t block = dtype_block_bytes(dtype);
  for (size_t b = 0; b < m.w.nbytes() / block; ++b)
    for (size_t off : scale_offsets(dtype)) {
      const uint16_t h = f32_to_f16(rng() % 2 ? mag(rng) : -mag(rng));
      std::memcpy(bytes + b * block + off, &h, 2);
    }
  return m;
}

}  // namespace r1::test
