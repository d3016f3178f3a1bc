// K-quant, IQ4_XS and fallback (Q5_0, Q5_1, IQ4_NL) reference quantisation: bit-exact agreement
// with an independent numpy implementation of ggml's definitions on seeded rows, hand-worked
// blocks for the all-zero cases, and the exact q8_0 copies of q5_0 / iq4_nl blocks.
#include "core/kquant_quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/quant_blocks_legacy.h"
#include "io/file_io.h"

namespace r1 {
namespace {

std::vector<float> floats_of(const std::string& bytes) {
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

template <typename Block>
void check_blocks(const std::string& dir, const std::string& name, const char* fmt, int values,
                  void (*quant)(const float*, Block*, int64_t)) {
  const std::vector<float> x = floats_of(read_file(dir + "/" + name + ".f32"));
  const std::string want = read_file(dir + "/" + name + "." + fmt);
  const int64_t k = int64_t(x.size());
  std::vector<Block> got(size_t(k / values));
  quant(x.data(), got.data(), k);
  ASSERT_EQ(want.size(), got.size() * sizeof(Block)) << name << " " << fmt;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(std::memcmp(&got[i], want.data() + i * sizeof(Block), sizeof(Block)), 0)
        << name << " " << fmt << ": block " << i << " differs";
}

// The expected blocks dequantised, bit for bit.
template <typename Block>
void check_dequant(const std::string& dir, const std::string& name, const char* fmt,
                   void (*dequant)(const Block*, float*, int64_t)) {
  const std::string blocks = read_file(dir + "/" + name + "." + fmt);
  const std::vector<float> want = floats_of(read_file(dir + "/" + name + "." + fmt + ".deq"));
  std::vector<Block> b(blocks.size() / sizeof(Block));
  std::memcpy(b.data(), blocks.data(), blocks.size());
  std::vector<float> got(want.size());
  dequant(b.data(), got.data(), int64_t(got.size()));
  ASSERT_EQ(std::memcmp(got.data(), want.data(), want.size() * 4), 0) << name << " " << fmt;
}

TEST(KQuantQuantize, BitExactWithIndependentNumpyReference) {
  const std::string dir = R1_KQUANT_CASES_DIR;
  std::ifstream list(dir + "/cases.txt");
  ASSERT_TRUE(list.good()) << "missing " << dir << "/cases.txt (the kquant_cases fixture)";
  std::string name;
  int n = 0;
  while (std::getline(list, name)) {
    if (name.empty()) continue;
    check_blocks<block_q2_K>(dir, name, "q2_K", kQK_K, quantize_row_q2_K);
    check_blocks<block_q3_K>(dir, name, "q3_K", kQK_K, quantize_row_q3_K);
    check_blocks<block_q4_K>(dir, name, "q4_K", kQK_K, quantize_row_q4_K);
    check_blocks<block_q5_K>(dir, name, "q5_K", kQK_K, quantize_row_q5_K);
    check_blocks<block_q6_K>(dir, name, "q6_K", kQK_K, quantize_row_q6_K);
    check_blocks<block_iq4_xs>(dir, name, "iq4_xs", kQK_K, quantize_row_iq4_xs);
    check_blocks<block_q5_0>(dir, name, "q5_0", kQK5_0, quantize_row_q5_0);
    check_blocks<block_q5_1>(dir, name, "q5_1", kQK5_1, quantize_row_q5_1);
    check_blocks<block_iq4_nl>(dir, name, "iq4_nl", kQK4_NL, quantize_row_iq4_nl);
    check_dequant<block_q5_0>(dir, name, "q5_0", dequantize_row_q5_0);
    check_dequant<block_q5_1>(dir, name, "q5_1", dequantize_row_q5_1);
    check_dequant<block_iq4_nl>(dir, name, "iq4_nl", dequantize_row_iq4_nl);
    ++n;
  }
  EXPECT_GE(n, 12);
}

template <typename Block>
std::string bytes_of_zeros(void (*quant)(const float*, Block*, int64_t), int values) {
  std::vector<float> x(size_t(values), 0.0f);
  Block b;
  std::memset(&b, 0x5a, sizeof b);  // every byte must be written
  quant(x.data(), &b, values);
  return std::string(reinterpret_cast<const char*>(&b), sizeof b);
}

TEST(KQuantQuantize, AllZeroBlocksAsGgmlWritesThem) {
  // The k-quants: every byte 0 (scales 0, d = dmin = +0).
  EXPECT_EQ(bytes_of_zeros(quantize_row_q2_K, kQK_K), std::string(84, '\0'));
  EXPECT_EQ(bytes_of_zeros(quantize_row_q3_K, kQK_K), std::string(110, '\0'));
  EXPECT_EQ(bytes_of_zeros(quantize_row_q4_K, kQK_K), std::string(144, '\0'));
  EXPECT_EQ(bytes_of_zeros(quantize_row_q5_K, kQK_K), std::string(176, '\0'));
  EXPECT_EQ(bytes_of_zeros(quantize_row_q6_K, kQK_K), std::string(210, '\0'));
  // IQ4_XS: d = -0/32 = -0.0; each block scale l = 0 is stored as 32 (low nibble 0, high bits
  // 2); every index is 8, the grid value 1 nearest 0.
  std::vector<float> x(kQK_K, 0.0f);
  block_iq4_xs xs;
  quantize_row_iq4_xs(x.data(), &xs, kQK_K);
  EXPECT_EQ(xs.d, 0x8000);
  EXPECT_EQ(xs.scales_h, 0xaaaa);
  for (uint8_t s : xs.scales_l) EXPECT_EQ(s, 0);
  for (uint8_t q : xs.qs) EXPECT_EQ(q, 0x88);
  // Q5_0: d = 0 / -16 = -0.0 and q = trunc(16.5) = 16, so every fifth bit is set.
  block_q5_0 q5;
  quantize_row_q5_0(x.data(), &q5, 32);
  EXPECT_EQ(q5.d, 0x8000);
  for (uint8_t h : q5.qh) EXPECT_EQ(h, 0xff);
  for (uint8_t q : q5.qs) EXPECT_EQ(q, 0);
  // Q5_1: d = 0, m = 0, q = 0.
  EXPECT_EQ(bytes_of_zeros(quantize_row_q5_1, 32), std::string(24, '\0'));
  // IQ4_NL: d = +0 (the block's scale itself), indices 8.
  block_iq4_nl nl;
  quantize_row_iq4_nl(x.data(), &nl, 32);
  EXPECT_EQ(nl.d, 0);
  for (uint8_t q : nl.qs) EXPECT_EQ(q, 0x88);
}

TEST(KQuantQuantize, Q5_1RepresentsTheRangeEndsExactly) {
  // min = -1 and max = 30: d = 1, m = -1, so -1 + q is exact for integer inputs.
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[size_t(j)] = float(j % 32) - 1.0f;
  block_q5_1 b;
  quantize_row_q5_1(x.data(), &b, 32);
  EXPECT_EQ(b.d, f32_to_f16(1.0f));
  EXPECT_EQ(b.m, f32_to_f16(-1.0f));
  std::vector<float> y(32);
  dequantize_row_q5_1(&b, y.data(), 32);
  EXPECT_EQ(y, x);
}

TEST(KQuantQuantize, Q5_0AndIq4NlCopyExactlyIntoQ8_0) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  const int k = 32 * 64;
  std::vector<float> x(k);
  for (float& v : x) v = nd(rng);
  std::vector<block_q5_0> q5(k / 32);
  std::vector<block_iq4_nl> nl(k / 32);
  std::vector<block_q8_0> q8(k / 32);
  quantize_row_q5_0(x.data(), q5.data(), k);
  quantize_row_iq4_nl(x.data(), nl.data(), k);
  std::vector<float> want(k), got(k);
  dequantize_row_q5_0(q5.data(), want.data(), k);
  q5_0_to_q8_0(q5.data(), q8.data(), k);
  dequantize_row_q8_0(q8.data(), got.data(), k);
  EXPECT_EQ(std::memcmp(want.data(), got.data(), size_t(k) * 4), 0);
  dequantize_row_iq4_nl(nl.data(), want.data(), k);
  iq4_nl_to_q8_0(nl.data(), q8.data(), k);
  dequantize_row_q8_0(q8.data(), got.data(), k);
  EXPECT_EQ(std::memcmp(want.data(), got.data(), size_t(k) * 4), 0);
  // And the values are close to x: 5 and 4 bits of a unit normal.
  double err = 0, norm = 0;
  for (size_t i = 0; i < size_t(k); ++i) {
    err += double(got[i] - x[i]) * double(got[i] - x[i]);
    norm += double(x[i]) * double(x[i]);
  }
  EXPECT_LT(std::sqrt(err / norm), 0.15);
}

TEST(KQuantQuantize, NonFiniteRowsAreDefined) {
  // ggml gives such rows no meaning; r1 must only not crash or read out of bounds (UBSan).
  std::vector<float> x(kQK_K, 1.0f);
  x[3] = NAN;
  x[100] = INFINITY;
  x[200] = -INFINITY;
  block_q2_K a;
  block_q3_K b;
  block_q4_K c;
  block_q5_K d;
  block_q6_K e;
  block_iq4_xs f;
  block_q5_0 g[8];
  block_q5_1 h[8];
  block_iq4_nl i[8];
  quantize_row_q2_K(x.data(), &a, kQK_K);
  quantize_row_q3_K(x.data(), &b, kQK_K);
  quantize_row_q4_K(x.data(), &c, kQK_K);
  quantize_row_q5_K(x.data(), &d, kQK_K);
  quantize_row_q6_K(x.data(), &e, kQK_K);
  quantize_row_iq4_xs(x.data(), &f, kQK_K);
  quantize_row_q5_0(x.data(), g, kQK_K);
  quantize_row_q5_1(x.data(), h, kQK_K);
  quantize_row_iq4_nl(x.data(), i, kQK_K);
  std::vector<float> y(kQK_K);
  dequantize_row_q5_1(h, y.data(), kQK_K);
  EXPECT_EQ(y[255], 1.0f) << "the last block holds only 1.0 (d = 0, m = 1)";
}

}  // namespace
}  // namespace r1
