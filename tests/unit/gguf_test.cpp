// GGUF container: the writer's bytes against the format assembled by hand, round trips of every
// metadata and tensor type, streaming, atomic failure, typed getters, and a file written by
// llama.cpp's own tools.
#include "io/gguf.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/quant_blocks.h"
#include "gguf_test_util.h"
#include "io_test_util.h"

namespace r1 {
namespace {

using r1::testing::expect_error;
using r1::testing::GgufBytes;
using r1::testing::parse_gguf;
using r1::testing::read_bytes;
using r1::testing::TempDir;
namespace fs = std::filesystem;

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = char(rng() & 0xff);
  return out;
}

// One value of every scalar type and an array of every element type, strings included.
GgufMetadata every_value_type() {
  GgufMetadata m;
  m.set("general.architecture", GgufValue("llama"));
  m.set("t.u8", GgufValue(uint8_t(250)));
  m.set("t.i8", GgufValue(int8_t(-7)));
  m.set("t.u16", GgufValue(uint16_t(65000)));
  m.set("t.i16", GgufValue(int16_t(-32000)));
  m.set("t.u32", GgufValue(uint32_t(4000000000u)));
  m.set("t.i32", GgufValue(int32_t(-2000000000)));
  m.set("t.f32", GgufValue(1.5f));
  m.set("t.bool", GgufValue(true));
  m.set("t.str", GgufValue(std::string("h\xc3\xa9llo\0x", 8)));
  m.set("t.empty_str", GgufValue(std::string()));
  m.set("t.u64", GgufValue(uint64_t(18446744073709551615ull)));
  m.set("t.i64", GgufValue(int64_t(-9000000000000000000ll)));
  m.set("t.f64", GgufValue(-2.25e300));
  m.set("a.u8", GgufValue::array(std::vector<uint8_t>{0, 255}));
  m.set("a.i8", GgufValue::array(std::vector<int8_t>{-128, 127}));
  m.set("a.u16", GgufValue::array(std::vector<uint16_t>{1, 65535}));
  m.set("a.i16", GgufValue::array(std::vector<int16_t>{-1, 2}));
  m.set("a.u32", GgufValue::array(std::vector<uint32_t>{3, 4, 5}));
  m.set("a.i32", GgufValue::array(std::vector<int32_t>{-3, 0, 3}));
  m.set("a.f32", GgufValue::array(std::vector<float>{0.5f, -1e-30f, INFINITY}));
  m.set("a.bool", GgufValue::array(std::vector<bool>{true, false, true}));
  m.set("a.str", GgufValue::array(std::vector<std::string>{"a", "", "\xe4\xb8\xad"}));
  m.set("a.u64", GgufValue::array(std::vector<uint64_t>{1ull << 63}));
  m.set("a.i64", GgufValue::array(std::vector<int64_t>{-1, 1ll << 62}));
  m.set("a.f64", GgufValue::array(std::vector<double>{1.0 / 3.0}));
  m.set("a.empty", GgufValue::array(std::vector<int32_t>{}));
  m.set("a.empty_str", GgufValue::array(std::vector<std::string>{}));
  return m;
}

TEST(Gguf, WriterBytesMatchTheFormatAssembledByHand) {
  TempDir dir;
  std::string path = dir.file("a.gguf");
  const float data[6] = {1, 2, 3, 4, 5, 6};
  GgufWriter w(path);
  w.metadata().set("k", GgufValue(uint8_t(7)));
  w.metadata().set("s", GgufValue::array(std::vector<std::string>{"ab"}));
  w.add_tensor("t", GgmlType::F32, {2, 3}, data);
  w.write();

  GgufBytes want;
  want.header(3, 1, 2)
      .str("k")
      .u32(uint32_t(GgufType::U8))
      .put<uint8_t>(7)
      .str("s")
      .u32(uint32_t(GgufType::ARRAY))
      .u32(uint32_t(GgufType::STRING))
      .u64(1)
      .str("ab")
      .tensor("t", {3, 2}, 0, 0)  // ne reversed: 3 values per row, 2 rows
      .pad(32)
      .raw(std::string_view(reinterpret_cast<const char*>(data), sizeof data))
      .pad(32);
  EXPECT_EQ(read_bytes(path), want.bytes());
}

TEST(Gguf, RoundTripsEveryMetadataType) {
  TempDir dir;
  std::string path = dir.file("meta.gguf");
  GgufMetadata m = every_value_type();
  GgufWriter w(path);
  w.metadata() = m;
  w.write();

  GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_TRUE(f.tensors().empty());
  ASSERT_EQ(f.metadata().size(), m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(f.metadata().entries()[i].first, m.entries()[i].first);
    EXPECT_EQ(f.metadata().entries()[i].second, m.entries()[i].second) << m.entries()[i].first;
  }
  EXPECT_EQ(f.metadata().find("t.u16")->get<uint16_t>(), uint16_t(65000));
  EXPECT_FALSE(f.metadata().find("t.u16")->get<uint32_t>());  // the exact type is kept
  EXPECT_EQ(f.metadata().find("t.f64")->get<double>(), -2.25e300);
  EXPECT_EQ(f.metadata().find("t.str")->as_string()->size(), 8u);
  EXPECT_EQ(f.metadata().find("a.bool")->type(), GgufType::ARRAY);
  EXPECT_EQ(f.metadata().find("a.bool")->elem_type(), GgufType::BOOL);
  EXPECT_EQ(f.metadata().find("a.str")->as_strings()->at(2), "\xe4\xb8\xad");

  // Writing what was read gives the same bytes.
  std::string again = dir.file("again.gguf");
  GgufWriter w2(again);
  w2.metadata() = f.metadata();
  w2.write();
  EXPECT_EQ(read_bytes(again), read_bytes(path));
}

struct TensorCase {
  std::string name;
  GgmlType type;
  Shape shape;
  std::string bytes;
};

std::vector<TensorCase> every_tensor_type() {
  std::vector<float> row(64);
  for (size_t i = 0; i < row.size(); ++i) row[i] = std::sin(float(i)) * 3.0f;
  std::string q8(2 * 2 * sizeof(block_q8_0), '\0');
  for (int r = 0; r < 2; ++r)
    quantize_row_q8_0(row.data(), reinterpret_cast<block_q8_0*>(q8.data()) + 2 * r, 64);
  std::string q4(sizeof(block_q4_0), '\0');
  quantize_row_q4_0(row.data(), reinterpret_cast<block_q4_0*>(q4.data()), 32);
  return {
      {"f32", GgmlType::F32, {3, 4}, random_bytes(48, 1)},
      {"f16", GgmlType::F16, {5}, random_bytes(10, 2)},
      {"bf16", GgmlType::BF16, {2, 2, 3}, random_bytes(24, 3)},
      {"q8_0", GgmlType::Q8_0, {2, 64}, q8},
      {"q4_0", GgmlType::Q4_0, {1, 1, 1, 32}, q4},
      {"empty", GgmlType::F32, {0, 4}, ""},
      {"scalar", GgmlType::F32, {}, random_bytes(4, 4)},
      {"q6_k", GgmlType::Q6_K, {2, 256}, random_bytes(420, 5)},
      {"q5_0", GgmlType::Q5_0, {64}, random_bytes(44, 6)},
      {"q4_1", GgmlType::Q4_1, {32}, random_bytes(20, 7)},
  };
}

TEST(Gguf, RoundTripsEveryTensorTypeInPlace) {
  TempDir dir;
  std::string path = dir.file("t.gguf");
  std::vector<TensorCase> cases = every_tensor_type();
  GgufWriter w(path);
  w.metadata().set("general.architecture", GgufValue("llama"));
  for (const TensorCase& c : cases) w.add_tensor(c.name, c.type, c.shape, c.bytes.data());
  w.write();

  GgufFile f = GgufFile::open(path);
  ASSERT_EQ(f.tensors().size(), cases.size());
  EXPECT_EQ(f.data_offset() % 32, 0u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const TensorCase& c = cases[i];
    const GgufTensorInfo& info = f.tensors()[i];
    EXPECT_EQ(info.name, c.name);
    EXPECT_EQ(info.type, c.type);
    EXPECT_EQ(info.shape, c.shape) << c.name;
    EXPECT_EQ(info.nbytes, c.bytes.size()) << c.name;
    EXPECT_EQ(info.offset % 32, 0u);
    if (!ggml_type_supported(c.type)) continue;
    GgufTensor t = f.tensor(c.name);
    EXPECT_EQ(t.shape, c.shape);
    ASSERT_EQ(t.nbytes, c.bytes.size());
    EXPECT_EQ(std::string(static_cast<const char*>(t.data), t.nbytes), c.bytes) << c.name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 32, 0u) << c.name;  // mmap is page aligned
    EXPECT_TRUE(t.owner);
  }
  expect_error<FormatError>([&] { f.tensor("q4_1"); },
                            {path, "tensor 'q4_1'", "Q4_1", "F32, F16, BF16, Q8_0, Q4_0, Q2_K"});
  expect_error<FormatError>([&] { f.tensor("nope"); }, {path, "missing tensor 'nope'"});
}

TEST(Gguf, HonoursGeneralAlignment) {
  for (uint32_t align : {1u, 8u, 64u, 4096u}) {
    TempDir dir;
    std::string path = dir.file("a.gguf");
    std::string a = random_bytes(12, 7), b = random_bytes(70, 8);
    GgufWriter w(path);
    w.metadata().set(kGgufAlignmentKey, GgufValue(align));
    w.add_tensor("a", GgmlType::F16, {6}, a.data());
    w.add_tensor("b", GgmlType::Q8_0, {2, 32}, b.data());
    w.write();
    GgufFile f = GgufFile::open(path);
    EXPECT_EQ(f.alignment(), align);
    EXPECT_EQ(f.data_offset() % align, 0u);
    EXPECT_EQ(f.tensors()[1].offset, (12 + align - 1) / align * align);
    EXPECT_EQ(std::string(static_cast<const char*>(f.tensor("b").data), 68), b.substr(0, 68));
  }
}

TEST(Gguf, StreamsTensorDataFromSourcesInAnyPieces) {
  TempDir dir;
  std::string path = dir.file("s.gguf");
  const size_t big = (3u << 20) + 36;  // larger than the writer's buffer
  std::string small = random_bytes(34 * 100, 9), large = random_bytes(big * 4, 10);
  GgufWriter w(path);
  w.add_tensor("small", GgmlType::Q8_0, {100, 32}, [&](const GgufWriter::Sink& sink) {
    for (size_t i = 0; i < small.size(); i += 34) sink(small.data() + i, 34);  // block by block
  });
  w.add_tensor("large", GgmlType::F32, {int64_t(big)}, [&](const GgufWriter::Sink& sink) {
    sink(large.data(), 5);
    sink(large.data() + 5, large.size() - 5);
  });
  w.write();
  GgufFile f = GgufFile::open(path);
  GgufTensor s = f.tensor("small"), l = f.tensor("large");
  EXPECT_EQ(std::string(static_cast<const char*>(s.data), s.nbytes), small);
  EXPECT_EQ(std::string(static_cast<const char*>(l.data), l.nbytes), large);
}

TEST(Gguf, FailedWriteLeavesNoFile) {
  TempDir dir;
  std::string path = dir.file("fail.gguf");
  GgufWriter w(path);
  w.add_tensor("t", GgmlType::F32, {4}, [](const GgufWriter::Sink& sink) {
    float x = 1;
    sink(&x, 4);
    throw IoError("source.safetensors: read error");
  });
  EXPECT_THROW(w.write(), IoError);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(Gguf, WriterRejectsWhatGgmlCouldNotRead) {
  TempDir dir;
  std::string path = dir.file("w.gguf");
  float x[64] = {};
  GgufWriter w(path);
  w.add_tensor("ok", GgmlType::F32, {1}, x);
  expect_error<FormatError>([&] { w.add_tensor("ok", GgmlType::F32, {1}, x); },
                            {path, "duplicate tensor 'ok'"});
  expect_error<FormatError>([&] { w.add_tensor("", GgmlType::F32, {1}, x); }, {"empty"});
  expect_error<FormatError>([&] { w.add_tensor(std::string(64, 'n'), GgmlType::F32, {1}, x); },
                            {"63 bytes"});
  expect_error<FormatError>(
      [&] {
        w.add_tensor("d5", GgmlType::F32, {1, 1, 1, 1, 1}, x);
      },
      {"tensor 'd5'", "5 dimensions"});
  expect_error<FormatError>(
      [&] {
        w.add_tensor("neg", GgmlType::F32, {2, -1}, x);
      },
      {"tensor 'neg'", "negative", "[2, -1]"});
  expect_error<FormatError>(
      [&] {
        w.add_tensor("q", GgmlType::Q8_0, {2, 33}, x);
      },
      {"tensor 'q'", "rows of 33 values", "Q8_0", "multiple of 32"});
  expect_error<FormatError>([&] { w.add_tensor("q4", GgmlType::Q4_0, {48}, x); },
                            {"tensor 'q4'", "Q4_0", "multiple of 32"});
  w.metadata().set(kGgufAlignmentKey, GgufValue(uint64_t(32)));
  expect_error<FormatError>([&] { w.write(); }, {path, "general.alignment", "u32 power of two"});
  w.metadata().set(kGgufAlignmentKey, GgufValue(uint32_t(48)));
  expect_error<FormatError>([&] { w.write(); }, {"general.alignment", "u32 48"});
  w.metadata().set("", GgufValue(1.0f));
  w.metadata().set(kGgufAlignmentKey, GgufValue(uint32_t(16)));
  expect_error<FormatError>([&] { w.write(); }, {"keys must not be empty"});
  EXPECT_FALSE(fs::exists(path));
}

TEST(Gguf, ReadsVersion2) {
  GgufBytes b;
  b.header(2, 1, 1).kv_u32("n", 5).tensor("t", {2}, uint32_t(GgmlType::F32), 0).pad(32).zeros(8);
  GgufFile f = parse_gguf(b.bytes());
  EXPECT_EQ(f.version(), 2u);
  EXPECT_EQ(f.get_int("n"), 5);
  EXPECT_EQ(f.tensor("t").nbytes, 8u);
}

TEST(Gguf, KeepsOffsetsInAnyOrderAndTolerantOfMissingFinalPadding) {
  // ggml writes offsets in order, but the format only requires aligned, disjoint ranges.
  GgufBytes b;
  b.header(3, 2, 0)
      .tensor("second", {8}, uint32_t(GgmlType::F32), 32)
      .tensor("first", {4}, uint32_t(GgmlType::F32), 0)
      .pad(32)
      .zeros(32 + 32);
  GgufFile f = parse_gguf(b.bytes());
  EXPECT_EQ(f.tensor("second").nbytes, 32u);
  EXPECT_EQ(static_cast<const unsigned char*>(f.tensor("second").data) -
                static_cast<const unsigned char*>(f.tensor("first").data),
            32);
}

TEST(Gguf, TypedGettersAcceptAnyIntegerWidthAndNameTheKey) {
  TempDir dir;
  std::string path = dir.file("g.gguf");
  GgufWriter w(path);
  w.metadata() = every_value_type();
  w.write();
  GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.get_int("t.u8"), 250);
  EXPECT_EQ(f.get_int("t.i16"), -32000);
  EXPECT_EQ(f.get_int("t.u32"), 4000000000);
  EXPECT_EQ(f.get_float("t.f32"), 1.5);
  EXPECT_EQ(f.get_float("t.i8"), -7.0);
  EXPECT_TRUE(f.get_bool("t.bool"));
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.find_string("general.architecture"), "llama");
  EXPECT_EQ(f.find_int("absent"), std::nullopt);
  EXPECT_EQ(f.get_strings("a.str").size(), 3u);
  EXPECT_EQ(f.get_ints("a.i16"), (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(f.get_ints("a.u32"), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(f.get_floats("a.f64")[0], float(1.0 / 3.0));
  expect_error<FormatError>([&] { f.get_int("t.u64"); },
                            {path, "metadata key 't.u64'", "u64 18446744073709551615", "int64"});
  expect_error<FormatError>([&] { f.get_int("general.architecture"); },
                            {"'general.architecture'", "str 'llama'", "expected an integer"});
  expect_error<FormatError>([&] { f.get_string("t.f32"); }, {"'t.f32'", "f32", "a string"});
  expect_error<FormatError>([&] { f.get_strings("a.i8"); }, {"'a.i8'", "arr[i8; 2]"});
  expect_error<FormatError>([&] { f.get_ints("a.u64"); }, {"'a.u64'", "integers"});
  expect_error<FormatError>([&] { f.get_float("missing.key"); },
                            {path, "'missing.key' is missing"});
  expect_error<FormatError>([&] { f.find_bool("t.u8"); }, {"'t.u8'", "a bool"});
}

TEST(Gguf, TypeTablesFollowGgml) {
  EXPECT_EQ(ggml_type_name(14), "Q6_K");
  EXPECT_EQ(ggml_type_name(30), "BF16");
  EXPECT_EQ(ggml_type_name(31), "unknown type 31");  // Q4_0_4_4, removed from GGUF
  EXPECT_EQ(ggml_type_info(uint32_t(GgmlType::Q8_0))->block_bytes, 34u);
  EXPECT_EQ(ggml_type_info(uint32_t(GgmlType::Q4_0))->block_bytes, 18u);
  EXPECT_EQ(ggml_type_info(uint32_t(GgmlType::Q4_K))->block_size, 256);
  EXPECT_EQ(ggml_type_info(uint32_t(GgmlType::Q4_K))->block_bytes, 144u);
  EXPECT_TRUE(ggml_type_supported(GgmlType::BF16));
  EXPECT_TRUE(ggml_type_supported(GgmlType::Q4_K));
  EXPECT_TRUE(ggml_type_supported(GgmlType::IQ4_NL));
  EXPECT_FALSE(ggml_type_supported(GgmlType::Q4_1));
  EXPECT_FALSE(ggml_type_supported(GgmlType::IQ2_XXS));
  EXPECT_STREQ(gguf_type_name(GgufType::STRING), "str");
}

// ggml-vocab-deepseek-coder.gguf from llama.cpp's models/ (see tests/data/README.md):
// written by llama.cpp's own converter. Expected values read with llama.cpp's gguf-py.
TEST(Gguf, ReadsAVocabFileWrittenByLlamaCpp) {
  std::string path = std::string(R1_SOURCE_DIR) + "/tests/data/ggml-vocab-deepseek-coder.gguf";
  auto t0 = std::chrono::steady_clock::now();
  GgufFile f = GgufFile::open(path);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(f.version(), 3u);
  EXPECT_TRUE(f.tensors().empty());
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "gpt2");
  const std::vector<std::string>& tokens = f.get_strings("tokenizer.ggml.tokens");
  EXPECT_EQ(f.metadata().size(), 25u);
  ASSERT_EQ(tokens.size(), 32256u);
  EXPECT_EQ(tokens[0], "!");
  EXPECT_EQ(tokens.back(), "[PAD32255]");
  const std::vector<std::string>& merges = f.get_strings("tokenizer.ggml.merges");
  ASSERT_EQ(merges.size(), 31757u);
  EXPECT_EQ(merges[0], "\xc4\xa0 \xc4\xa0");  // "Ġ Ġ"
  EXPECT_EQ(merges.back(), "\xc4\xa0Sh an");
  EXPECT_EQ(f.metadata().find("tokenizer.ggml.token_type")->elem_type(), GgufType::I32);
  EXPECT_EQ(f.get_ints("tokenizer.ggml.token_type").size(), tokens.size());
  EXPECT_EQ(f.metadata().find("tokenizer.ggml.bos_token_id")->get<uint32_t>(), 32013u);
  EXPECT_EQ(f.get_float("llama.rope.freq_base"), 100000.0);
  EXPECT_EQ(f.metadata().find("llama.attention.layer_norm_rms_epsilon")->get<float>(), 1e-6f);
  EXPECT_TRUE(f.get_bool("tokenizer.ggml.add_bos_token"));
  EXPECT_FALSE(f.get_bool("tokenizer.ggml.add_eos_token"));
  RecordProperty("parse_ms", std::to_string(ms));
}

}  // namespace
}  // namespace r1
