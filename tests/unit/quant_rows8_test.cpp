// The 8-row interleaved q8_0/q4_0 layouts: rows come back out bit-exact and dequantise to the
// stored matrix; the decode layout is chosen only for whole groups of 8 rows.
#include "core/quant_rows8.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "kernels/cpu/dequant.h"
#include "kernels/cpu/gemv.h"
#include "test_util.h"

namespace r1 {
namespace {

template <typename Block, typename BlockX8>
void expect_rows_round_trip(const Tensor& stored, const Tensor& x8) {
  const int64_t nb = stored.dim(1) / 32;
  std::vector<Block> row(static_cast<size_t>(nb)), group(static_cast<size_t>(8 * nb));
  for (int64_t r = 0; r < stored.dim(0); ++r) {
    extract_row8(x8.as<BlockX8>() + r / 8 * nb, int(r % 8), nb, row.data());
    ASSERT_EQ(std::memcmp(row.data(), stored.as<Block>() + r * nb, size_t(nb) * sizeof(Block)), 0)
        << "row " << r;
  }
  for (int64_t g = 0; g < stored.dim(0) / 8; ++g) {
    extract_group8(x8.as<BlockX8>() + g * nb, nb, group.data());
    ASSERT_EQ(std::memcmp(group.data(), stored.as<Block>() + g * 8 * nb,
                          group.size() * sizeof(Block)),
              0)
        << "group " << g;
  }
}

TEST(QuantRows8, InterleavesAndExtractsRowsExactly) {
  std::mt19937 rng(7);
  for (DType dtype : {DType::Q8_0, DType::Q4_0}) {
    const WeightMatrix W = test::random_matrix(dtype, 24, 96, rng);
    const Tensor x8 = interleave_rows8(W.w);
    EXPECT_EQ(x8.dtype, dtype == DType::Q8_0 ? DType::Q8_0_X8 : DType::Q4_0_X8);
    EXPECT_EQ(x8.nbytes(), W.w.nbytes());
    if (dtype == DType::Q8_0) {
      expect_rows_round_trip<block_q8_0, block_q8_0x8>(W.w, x8);
    } else {
      expect_rows_round_trip<block_q4_0, block_q4_0x8>(W.w, x8);
    }
    const Tensor want = to_f32(W.w), got = to_f32(x8);
    ASSERT_EQ(std::memcmp(want.data, got.data, want.nbytes()), 0);

    WeightMatrix interleaved = W;
    interleaved.w = x8;
    std::vector<float> rows(static_cast<size_t>(5 * 96));
    dequantize_rows(interleaved, 11, 16, rows.data());  // crosses a group boundary
    ASSERT_EQ(std::memcmp(rows.data(), want.f32() + 11 * 96, rows.size() * sizeof(float)), 0);
  }
}

TEST(QuantRows8, DecodeLayoutOnlyForWholeRowGroups) {
  std::mt19937 rng(8);
  const WeightMatrix odd = test::random_matrix(DType::Q4_0, 12, 64, rng);
  EXPECT_EQ(to_decode_layout(odd).w.data, odd.w.data);
  const WeightMatrix f32 = test::random_matrix(DType::F32, 16, 64, rng);
  EXPECT_EQ(to_decode_layout(f32).w.data, f32.w.data);
  const WeightMatrix q8 = test::random_matrix(DType::Q8_0, 16, 64, rng);
  const WeightMatrix d = to_decode_layout(q8);
  EXPECT_TRUE(d.w.dtype == DType::Q8_0 || d.w.dtype == DType::Q8_0_X8);  // X8 with VNNI
  EXPECT_EQ(d.w.shape, q8.w.shape);
}

}  // namespace
}  // namespace r1
