// GGUF reader on corrupt and hostile files, assembled byte by byte: every truncation, absurd
// counts and lengths, bad magic/version/alignment, bad tensor infos and layouts, random
// mutations. Each must be a one-line FormatError naming the file and what is wrong.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <random>

#include "core/error.h"
#include "gguf_test_util.h"
#include "io/gguf.h"
#include "io_test_util.h"

namespace r1 {
namespace {

using r1::testing::expect_error;
using r1::testing::GgufBytes;
using r1::testing::parse_gguf;
using r1::testing::TempDir;

constexpr uint32_t kF32 = uint32_t(GgmlType::F32);
constexpr uint32_t kQ8 = uint32_t(GgmlType::Q8_0);
constexpr uint32_t kArr = uint32_t(GgufType::ARRAY);
constexpr uint32_t kStr = uint32_t(GgufType::STRING);

void expect_format_error(const std::string& bytes, std::initializer_list<std::string> needles) {
  r1::testing::expect_error<FormatError>([&] { parse_gguf(bytes, "bad.gguf"); }, needles);
}

// A valid file exercising every part of the header, written by the writer under test.
std::string sample_file(TempDir& dir) {
  std::string path = dir.file("sample.gguf");
  std::vector<float> a(8, 1.0f);
  std::string q(34 * 2, '\x11');
  GgufWriter w(path);
  w.metadata().set("general.architecture", GgufValue("qwen2"));
  w.metadata().set("n", GgufValue(uint32_t(3)));
  w.metadata().set("x", GgufValue(2.5));
  w.metadata().set("toks", GgufValue::array(std::vector<std::string>{"a", "bc", ""}));
  w.metadata().set("ids", GgufValue::array(std::vector<int32_t>{1, 2}));
  w.metadata().set("flag", GgufValue(false));
  w.add_tensor("a", GgmlType::F32, {2, 4}, a.data());
  w.add_tensor("q", GgmlType::Q8_0, {2, 32}, q.data());
  w.write();
  return r1::testing::read_bytes(path);
}

TEST(GgufHostile, EveryTruncationIsAFormatError) {
  TempDir dir;
  std::string full = sample_file(dir);
  GgufFile f = parse_gguf(full);
  const GgufTensorInfo& last = f.tensors().back();
  size_t data_end = size_t(f.data_offset() + last.offset + last.nbytes);
  ASSERT_LE(data_end, full.size());
  for (size_t n = 0; n < data_end; ++n) {
    std::string cut = full.substr(0, n);
    try {
      parse_gguf(cut, "cut.gguf");
      ADD_FAILURE() << "a file cut to " << n << " of " << data_end << " bytes was accepted";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.gguf: "), std::string::npos) << e.what();
    }
  }
  // Only the final padding may go missing.
  EXPECT_EQ(parse_gguf(full.substr(0, data_end)).tensors().size(), 2u);
}

TEST(GgufHostile, BadMagicAndVersions) {
  expect_format_error("", {"bad.gguf", "magic", "needs 4 bytes"});
  expect_format_error("GGML\x03\0\0\0", {"not a GGUF file", "'GGML'", "expected 'GGUF'"});
  expect_format_error(std::string("\x89PNG", 4), {"not a GGUF file"});
  GgufBytes v1, v0, v4, swapped;
  v1.header(1, 0, 0);
  v0.header(0, 0, 0);
  v4.header(4, 0, 0);
  swapped.header(0x03000000, 0, 0);
  expect_format_error(v1.bytes(), {"GGUF version 1 is not supported", "2 and 3"});
  expect_format_error(v0.bytes(), {"GGUF version 0"});
  expect_format_error(v4.bytes(), {"GGUF version 4"});
  expect_format_error(swapped.bytes(), {"byte-swapped", "big-endian"});
}

TEST(GgufHostile, AbsurdCountsAndLengths) {
  GgufBytes many_tensors, many_kv, neg_tensors, neg_kv, both;
  many_tensors.header(3, std::numeric_limits<int64_t>::max(), 0);
  many_kv.header(3, 0, int64_t(1) << 40).zeros(64);
  neg_tensors.header(3, -1, 0);
  neg_kv.header(3, 0, -5);
  both.header(3, 2, 2).zeros(60);  // each count alone fits, both together do not
  expect_format_error(many_tensors.bytes(), {"header", "tensor count 9223372036854775807"});
  expect_format_error(many_kv.bytes(), {"key/value count 1099511627776", "impossible"});
  expect_format_error(neg_tensors.bytes(), {"tensor count -1"});
  expect_format_error(neg_kv.bytes(), {"key/value count -5"});
  expect_format_error(both.bytes(), {"cannot fit"});

  GgufBytes long_key, huge_key, long_str, huge_array, huge_str_array, str_in_array;
  long_key.header(3, 0, 1).u64(1000).raw("abc").zeros(20);
  huge_key.header(3, 0, 1).u64(uint64_t(1) << 62).zeros(20);
  long_str.header(3, 0, 1).str("k").u32(kStr).u64(500).raw("short");
  huge_array.header(3, 0, 1)
      .str("k")
      .u32(kArr)
      .u32(uint32_t(GgufType::U64))
      .u64(1ull << 61)
      .zeros(16);
  huge_str_array.header(3, 0, 1).str("k").u32(kArr).u32(kStr).u64(1000).zeros(16);
  str_in_array.header(3, 0, 1).str("k").u32(kArr).u32(kStr).u64(2).str("ok").u64(99).raw("x");
  expect_format_error(long_key.bytes(), {"metadata key #0", "key needs 1000 bytes", "truncated"});
  expect_format_error(huge_key.bytes(), {"metadata key #0", "exceeds the GGUF limit"});
  expect_format_error(long_str.bytes(), {"metadata key 'k'", "string value needs 500 bytes"});
  expect_format_error(huge_array.bytes(), {"metadata key 'k'", "array of 2305843009213693952 u64"});
  expect_format_error(huge_str_array.bytes(), {"'k'", "array of 1000 str values"});
  expect_format_error(str_in_array.bytes(), {"'k'", "array string needs 99 bytes"});
}

TEST(GgufHostile, BadMetadata) {
  GgufBytes dup, empty, bad_type, nested, bad_elem, align_type, align_zero, align_odd;
  dup.header(3, 0, 2).kv_u32("k", 1).kv_u32("k", 2);
  empty.header(3, 0, 1).kv_u32("", 1);
  bad_type.header(3, 0, 1).str("k").u32(13).u32(0);
  nested.header(3, 0, 1).str("k").u32(kArr).u32(kArr).u64(1).zeros(16);
  bad_elem.header(3, 0, 1).str("k").u32(kArr).u32(77).u64(1).zeros(16);
  align_type.header(3, 0, 1).str(kGgufAlignmentKey).u32(uint32_t(GgufType::U64)).u64(32);
  align_zero.header(3, 0, 1).kv_u32(kGgufAlignmentKey, 0);
  align_odd.header(3, 0, 1).kv_u32(kGgufAlignmentKey, 24);
  expect_format_error(dup.bytes(), {"metadata key 'k'", "duplicate key"});
  expect_format_error(empty.bytes(), {"metadata key #0", "empty key"});
  expect_format_error(bad_type.bytes(), {"'k'", "value type 13 is not a GGUF value type"});
  expect_format_error(nested.bytes(), {"'k'", "arrays of arrays"});
  expect_format_error(bad_elem.bytes(), {"'k'", "array element type 77"});
  expect_format_error(align_type.bytes(), {"'general.alignment'", "u64 32", "expected u32"});
  expect_format_error(align_zero.bytes(), {"alignment 0 is not a power of two"});
  expect_format_error(align_odd.bytes(), {"alignment 24 is not a power of two"});
}

// A file with one key-less header and the given tensor infos, padded, then `data` zero bytes.
std::string with_tensors(const std::function<void(GgufBytes&)>& infos, int64_t n, size_t data) {
  GgufBytes b;
  b.header(3, n, 0);
  infos(b);
  return b.pad(32).zeros(data).bytes();
}

TEST(GgufHostile, BadTensorInfos) {
  auto one = [](std::vector<int64_t> ne, uint32_t type, uint64_t offset = 0) {
    return with_tensors([&](GgufBytes& b) { b.tensor("w", ne, type, offset); }, 1, 256);
  };
  expect_format_error(one({1, 1, 1, 1, 1}, kF32), {"tensor 'w'", "5 dimensions", "at most 4"});
  expect_format_error(one({4, -2}, kF32), {"tensor 'w'", "dimension 1 is negative (-2)"});
  expect_format_error(one({int64_t(1) << 62, 4}, kF32), {"tensor 'w'", "overflows int64"});
  expect_format_error(one({int64_t(1) << 62}, uint32_t(GgmlType::F64)),
                      {"tensor 'w'", "byte size overflows"});
  expect_format_error(one({4}, 31), {"tensor 'w'", "unknown ggml type id 31"});
  expect_format_error(one({4}, 0xffffffffu), {"unknown ggml type id 4294967295"});
  expect_format_error(one({33, 2}, kQ8), {"tensor 'w'", "Q8_0", "multiple of 32", "ne[0] is 33"});
  EXPECT_EQ(parse_gguf(one({256}, uint32_t(GgmlType::Q6_K))).tensors()[0].nbytes, 210u);
  expect_format_error(one({4}, kF32, 8), {"tensor 'w'", "data offset 8", "alignment 32"});
  expect_format_error(one({4}, kF32, 1ull << 63), {"tensor 'w'", "past the end"});
  expect_format_error(one({4}, kF32, 256), {"tensor 'w'", "past the end"});

  expect_format_error(
      with_tensors([](GgufBytes& b) { b.tensor(std::string(64, 'x'), {4}, kF32, 0); }, 1, 64),
      {"tensor #0", "64 bytes", "limit of 63"});
  expect_format_error(
      with_tensors([](GgufBytes& b) { b.tensor(std::string("a\0b", 3), {4}, kF32, 0); }, 1, 64),
      {"NUL"});
  expect_format_error(
      with_tensors([](GgufBytes& b) { b.tensor("w", {4}, kF32, 0).tensor("w", {4}, kF32, 32); }, 2,
                   64),
      {"tensor 'w'", "duplicate tensor name"});
  expect_format_error(
      with_tensors([](GgufBytes& b) { b.tensor("a", {16}, kF32, 0).tensor("b", {4}, kF32, 32); }, 2,
                   128),
      {"tensors 'a' [0, +64) and 'b' [32, +16) overlap"});
  expect_format_error(
      with_tensors([](GgufBytes& b) { b.tensor("a", {4}, kF32, 64).tensor("b", {4}, kF32, 64); }, 2,
                   128),
      {"overlap"});
  // Zero-size tensors occupy no bytes, so sharing an offset with one is fine.
  GgufFile ok = parse_gguf(with_tensors(
      [](GgufBytes& b) {
        b.tensor("a", {4}, kF32, 0).tensor("e", {0, 4}, kF32, 0);
      },
      2, 32));
  EXPECT_EQ(ok.tensors()[1].nbytes, 0u);
}

// The k-quants, IQ4_XS and llama-quantize's fallbacks: rows of whole blocks, byte sizes from
// the block size, data inside the file; each failure names the tensor and its type.
TEST(GgufHostile, BlockTypeTensorInfos) {
  const struct {
    GgmlType type;
    int64_t block;
    uint64_t bytes;
  } types[] = {{GgmlType::Q2_K, 256, 84},   {GgmlType::Q3_K, 256, 110}, {GgmlType::Q4_K, 256, 144},
               {GgmlType::Q5_K, 256, 176},  {GgmlType::Q6_K, 256, 210}, {GgmlType::IQ4_XS, 256, 136},
               {GgmlType::Q5_0, 32, 22},    {GgmlType::Q5_1, 32, 24},   {GgmlType::IQ4_NL, 32, 18}};
  for (const auto& t : types) {
    const std::string name = ggml_type_name(uint32_t(t.type));
    const uint32_t id = uint32_t(t.type);
    auto one = [&](std::vector<int64_t> ne, size_t data) {
      return with_tensors([&](GgufBytes& b) { b.tensor("w", ne, id, 0); }, 1, data);
    };
    const GgufFile ok = parse_gguf(one({t.block * 2, 3}, size_t(6 * t.bytes)));
    EXPECT_EQ(ok.tensors()[0].nbytes, 6 * t.bytes) << name;
    EXPECT_EQ(ok.tensor("w").nbytes, 6 * t.bytes) << name;
    // (Needles built with append: GCC 12 -O3 warns falsely on "literal" + std::string.)
    const std::string multiple = std::string("multiple of ").append(std::to_string(t.block));
    const std::string ne0 = std::string("ne[0] is ").append(std::to_string(t.block + 16));
    expect_format_error(one({t.block + 16, 3}, 4096), {"tensor 'w'", name, multiple, ne0});
    // One byte short of the last block: truncated.
    const std::string size = std::string("+").append(std::to_string(6 * t.bytes));
    expect_format_error(one({t.block * 2, 3}, size_t(6 * t.bytes - 1)),
                        {"tensor 'w'", "past the end", size});
  }
}

TEST(GgufHostile, DataSectionPastTheEnd) {
  GgufBytes b;  // 4096-byte alignment pushes the data section past the file's end
  b.header(3, 1, 1).kv_u32(kGgufAlignmentKey, 4096).tensor("t", {0}, kF32, 0);
  expect_format_error(b.bytes(), {"data section", "starts at offset 4096", "past the end"});
}

TEST(GgufHostile, RandomMutationsAreFormatErrorsOrConsistentFiles) {
  TempDir dir;
  std::string full = sample_file(dir);
  std::mt19937 rng(42);
  int accepted = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::string m = full;
    int flips = 1 + int(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      size_t at = rng() % m.size();
      m[at] = (rng() % 3 == 0) ? char(0xff) : char(rng() & 0xff);
    }
    try {
      GgufFile f = parse_gguf(m);
      ++accepted;
      for (const GgufTensorInfo& t : f.tensors()) {
        ASSERT_LE(f.data_offset() + t.offset + t.nbytes, m.size());
        if (!ggml_type_supported(t.type)) continue;
        GgufTensor v = f.tensor(t.name);
        unsigned sum = 0;  // reads every byte: ASan builds catch a range outside the buffer
        for (size_t i = 0; i < v.nbytes; ++i) sum += static_cast<const unsigned char*>(v.data)[i];
        (void)sum;
      }
    } catch (const FormatError&) {
    }
  }
  EXPECT_GT(accepted, 0);  // mutations of tensor data or string bytes keep the file valid
}

}  // namespace
}  // namespace r1
