// K-quant / IQ4_XS dequantisation and q8_K activation quantisation: bit-exact against an
// independent numpy implementation of ggml's formulas
// (tests/reference/make_kquant_dequant_cases.py) on random super-blocks, and the same values
// through every path that reads these types.
#include "core/kquant_dequant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/tensor.h"
#include "io/file_io.h"
#include "kernels/cpu/dequant.h"

namespace r1 {
namespace {

DType dtype_of(const std::string& fmt) {
  if (fmt == "q2_K") return DType::Q2_K;
  if (fmt == "q3_K") return DType::Q3_K;
  if (fmt == "q4_K") return DType::Q4_K;
  if (fmt == "q5_K") return DType::Q5_K;
  if (fmt == "q6_K") return DType::Q6_K;
  EXPECT_EQ(fmt, "iq4_xs");
  return DType::IQ4_XS;
}

std::vector<float> floats_of(const std::string& bytes) {
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

// The index of the first value whose bit pattern differs (any two NaNs match), or -1.
int64_t first_difference(const float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!(std::isnan(a[i]) && std::isnan(b[i])) && std::memcmp(a + i, b + i, 4) != 0) return i;
  return -1;
}

// The numpy case's blocks dequantised by the scalar row function, by Tensor's to_f32 and by the
// kernels' dequantize_rows (as a [rows, 1024] weight, a slice of rows from the middle).
void check_dequant(const std::string& dir, const std::string& fmt) {
  const DType t = dtype_of(fmt);
  const std::string blocks = read_file(dir + "/" + fmt + ".blocks");
  const std::vector<float> want = floats_of(read_file(dir + "/" + fmt + ".deq"));
  const int64_t k = int64_t(want.size());
  ASSERT_EQ(blocks.size(), size_t(k / kQK_K) * dtype_block_bytes(t)) << fmt;
  std::vector<float> got(want.size());
  dequantize_row_kquant(t, blocks.data(), got.data(), k);
  int64_t at = first_difference(got.data(), want.data(), k);
  ASSERT_EQ(at, -1) << fmt << ": value " << at << " " << got[size_t(at)] << " vs "
                    << want[size_t(at)];

  const int64_t cols = 1024, rows = k / cols;
  Tensor w = Tensor::zeros(t, {rows, cols});
  std::memcpy(w.data, blocks.data(), blocks.size());
  const Tensor f = to_f32(w);
  EXPECT_EQ(first_difference(f.f32(), want.data(), k), -1) << fmt << " to_f32";
  WeightMatrix W;
  W.w = w;
  std::vector<float> part(size_t(5 * cols));
  dequantize_rows(W, 3, 8, part.data());
  EXPECT_EQ(first_difference(part.data(), want.data() + 3 * cols, 5 * cols), -1)
      << fmt << " dequantize_rows";
}

void check_q8_K(const std::string& dir, const std::string& name) {
  const std::vector<float> x = floats_of(read_file(dir + "/q8k_" + name + ".f32"));
  const std::string want = read_file(dir + "/q8k_" + name + ".q8_K");
  std::vector<block_q8_K> got(x.size() / kQK_K);
  ASSERT_EQ(want.size(), got.size() * sizeof(block_q8_K)) << name;
  quantize_row_q8_K(x.data(), got.data(), int64_t(x.size()));
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(std::memcmp(&got[i], want.data() + i * sizeof(block_q8_K), sizeof(block_q8_K)), 0)
        << "q8_K " << name << ": block " << i << " differs";
}

TEST(KquantDequant, BitExactWithIndependentNumpyReference) {
  const std::string dir = R1_KQUANT_DEQUANT_CASES_DIR;
  std::ifstream list(dir + "/cases.txt");
  ASSERT_TRUE(list.good()) << "missing " << dir << "/cases.txt (the kquant_dequant_cases fixture)";
  std::string line;
  int dequant = 0, q8k = 0;
  while (std::getline(list, line)) {
    std::istringstream in(line);
    std::string kind, name;
    if (!(in >> kind >> name)) continue;
    if (kind == "dequant") {
      check_dequant(dir, name);
      ++dequant;
    } else {
      ASSERT_EQ(kind, "q8_K");
      check_q8_K(dir, name);
      ++q8k;
    }
  }
  EXPECT_EQ(dequant, 6);
  EXPECT_GE(q8k, 5);
}

// Hand-worked values: the 6-bit scale packings and the grids at their ends.
TEST(KquantDequant, ScalePackingsByHand) {
  uint8_t s[12] = {};
  s[1] = 0x45;  // sub-block 1: scale 5, top bits from byte 1 >> 6 = 1 for sub-block 5
  s[5] = 0x3f;  // min of sub-block 1: 63
  s[9] = 0xa7;  // sub-block 5: scale low 7, min low 10
  uint8_t sc, m;
  kquant_scale_min(1, s, &sc, &m);
  EXPECT_EQ(sc, 5);
  EXPECT_EQ(m, 63);
  kquant_scale_min(5, s, &sc, &m);
  EXPECT_EQ(sc, 7 | (1 << 4));
  EXPECT_EQ(m, 10 | (0 << 4));

  uint8_t q3[12] = {};
  q3[2] = 0x9f;   // scale 2 low 0xf, scale 10 low 0x9
  q3[10] = 0x24;  // scale 2 high bits 0 (bits 0-1), scale 6 high 1 (bits 2-3), scale 10 high 2
  int8_t scales[16];
  q3_K_scales(q3, scales);
  EXPECT_EQ(scales[2], 0xf - 32);
  EXPECT_EQ(scales[6], (1 << 4) - 32);
  EXPECT_EQ(scales[10], (0x9 | (2 << 4)) - 32);
  EXPECT_EQ(scales[0], -32);

  block_iq4_xs b{};
  b.d = 0x3c00;          // 1.0
  b.scales_l[0] = 0x21;  // sub-block 0: 1, sub-block 1: 2
  b.scales_h = 0x2;      // sub-block 0 high bits 2: ls = 33
  b.qs[0] = 0xf0;        // value 0: grid[0], value 16: grid[15]
  float y[kQK_K];
  dequantize_row_iq4_xs(&b, y, kQK_K);
  EXPECT_EQ(y[0], -127.0f);
  EXPECT_EQ(y[16], 113.0f);
  EXPECT_EQ(y[32], float(2 - 32) * -127.0f);
}

TEST(KquantDequant, Q8KZeroBlockAndRoundingTies) {
  std::vector<float> x(2 * kQK_K, 0.0f);
  x[kQK_K] = -127.0f;     // iscale = 1
  x[kQK_K + 1] = 2.5f;    // tie: to even, 2
  x[kQK_K + 2] = -3.5f;   // tie: to even, -4
  x[kQK_K + 17] = 10.0f;  // in the second 16-value sum
  block_q8_K q[2];
  quantize_row_q8_K(x.data(), q, 2 * kQK_K);
  EXPECT_EQ(q[0].d, 0.0f);
  for (int j = 0; j < kQK_K; ++j) EXPECT_EQ(q[0].qs[j], 0);
  EXPECT_EQ(q[1].d, 1.0f);
  EXPECT_EQ(q[1].qs[0], -127);
  EXPECT_EQ(q[1].qs[1], 2);
  EXPECT_EQ(q[1].qs[2], -4);
  EXPECT_EQ(q[1].bsums[0], -127 + 2 - 4);
  EXPECT_EQ(q[1].bsums[1], 10);
}

}  // namespace
}  // namespace r1
