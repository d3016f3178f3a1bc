// The 8-row interleaved k-quant layouts: every row comes back byte for byte, and to_f32 and
// dequantize_rows read them as the stored layout.
#include "core/kquant_rows8.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "core/kquant_blocks.h"
#include "kernels/cpu/dequant.h"
#include "kquant_test_util.h"

namespace r1 {
namespace {

TEST(KquantRows8, RowsRoundTripAndDequantiseAsStored) {
  std::mt19937 rng(41);
  for (DType dtype :
       {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS}) {
    const int64_t out = 24, in = 768, nb = in / kQK_K;
    const WeightMatrix stored = test::random_kquant_matrix(dtype, out, in, rng);
    const Tensor x8 = interleave_kquant_rows8(stored.w);
    ASSERT_EQ(x8.dtype, kquant_x8_of(dtype));
    ASSERT_TRUE(is_kquant_x8(x8.dtype));
    ASSERT_FALSE(is_kquant_x8(dtype));
    ASSERT_EQ(kquant_base_of(x8.dtype), dtype);
    ASSERT_EQ(x8.nbytes(), stored.w.nbytes());
    const size_t row_bytes = size_t(nb) * dtype_block_bytes(dtype);
    std::vector<uint8_t> row(row_bytes);
    for (int64_t r = 0; r < out; ++r) {
      extract_kquant_row8(x8, r, row.data());
      ASSERT_EQ(std::memcmp(row.data(), stored.w.as<uint8_t>() + size_t(r) * row_bytes, row_bytes),
                0)
          << dtype_name(dtype) << " row " << r;
    }
    // The fp16 scales of the 8 rows sit side by side (d first in q4_K).
    if (dtype == DType::Q4_K) {
      for (int i = 0; i < 8; ++i)
        EXPECT_EQ(x8.as<uint16_t>()[i], stored.w.as<block_q4_K>()[i * nb].d);
    }
    const Tensor want = to_f32(stored.w), got = to_f32(x8);
    ASSERT_EQ(std::memcmp(want.data, got.data, size_t(out * in) * 4), 0) << dtype_name(dtype);
    WeightMatrix W;
    W.w = x8;
    std::vector<float> part(size_t(9 * in));
    dequantize_rows(W, 5, 14, part.data());
    EXPECT_EQ(std::memcmp(part.data(), want.f32() + 5 * in, part.size() * 4), 0)
        << dtype_name(dtype);
  }
}

}  // namespace
}  // namespace r1
