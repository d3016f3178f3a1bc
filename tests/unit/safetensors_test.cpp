// Safetensors: round trips (single file, shards, glob), zero-copy views, and every kind of
// corrupt or hostile header crafted byte by byte.
#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <set>

#include "core/error.h"
#include "io/json_file.h"
#include "io_test_util.h"

namespace r1 {
namespace {

using r1::testing::expect_error;
using r1::testing::read_bytes;
using r1::testing::TempDir;
using r1::testing::write_bytes;
using Named = std::vector<std::pair<std::string, Tensor>>;
namespace fs = std::filesystem;

Tensor random_tensor(DType dtype, Shape shape, uint32_t seed) {
  Tensor t = Tensor::zeros(dtype, std::move(shape));
  std::mt19937 rng(seed);
  auto* p = t.as<unsigned char>();
  for (size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<unsigned char>(rng());
  return t;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.nbytes() == b.nbytes() &&
         std::memcmp(a.data, b.data, a.nbytes()) == 0;
}

Named all_dtypes() {
  Named out;
  uint32_t seed = 1;
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::F8_E4M3, DType::F64, DType::I64,
                  DType::I32, DType::I16, DType::I8, DType::U8, DType::BOOL})
    out.emplace_back(std::string("t.") + dtype_name(t), random_tensor(t, {3, 5}, seed++));
  out.emplace_back("scalar", random_tensor(DType::F32, {}, 99));
  out.emplace_back("empty", Tensor::zeros(DType::BF16, {0, 4}));
  return out;
}

// A file made of an 8-byte length, the header text and `data_bytes` zero bytes.
std::string raw_file(const std::string& header, size_t data_bytes = 0) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((n >> (8 * i)) & 0xff);
  return out + header + std::string(data_bytes, '\0');
}

TEST(Safetensors, RoundTripAllDTypesAndMetadata) {
  TempDir dir;
  Named tensors = all_dtypes();
  std::string path = dir.file("model.safetensors");
  write_safetensors(path, tensors, {{"format", "pt"}});
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.entries().size(), tensors.size());
  EXPECT_EQ(f.metadata().at("format"), "pt");
  for (const auto& [name, t] : tensors) {
    ASSERT_TRUE(f.has(name)) << name;
    EXPECT_TRUE(same_bytes(f.get(name), t)) << name;
  }
  std::string bytes = read_bytes(path);
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  EXPECT_EQ(header_len % 8, 0u);  // padded so that the data section is 8-byte aligned
  EXPECT_EQ(bytes[8 + header_len - 1] == ' ' || bytes[8 + header_len - 1] == '}', true);
}

TEST(Safetensors, ViewIsZeroCopyAndKeepsTheMappingAlive) {
  TempDir dir;
  std::string path = dir.file("m.safetensors");
  Tensor a = random_tensor(DType::F32, {4, 4}, 1), b = random_tensor(DType::F32, {8}, 2);
  write_safetensors(path, {{"a", a}, {"b", b}});
  Tensor va, vb;
  {
    SafetensorsFile f = SafetensorsFile::open(path);
    va = f.get("a");
    vb = f.get("b");
    EXPECT_EQ(f.get("a").data, va.data);  // the same bytes of the mapping, never a copy
    const auto& ea = f.entries().at("a");
    const auto& eb = f.entries().at("b");
    EXPECT_EQ(static_cast<const char*>(vb.data) - static_cast<const char*>(va.data),
              std::ptrdiff_t(eb.begin) - std::ptrdiff_t(ea.begin));
  }
  // The file object is gone; the views still own the mapping.
  EXPECT_TRUE(same_bytes(va, a));
  EXPECT_TRUE(same_bytes(vb, b));
}

TEST(Safetensors, MisalignedTensorIsCopiedAligned) {
  TempDir dir;
  // Other writers need not pad the header: here the data section starts at an odd offset.
  std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  while ((8 + header.size()) % 4 != 1) header += ' ';
  float vals[2] = {1.5f, -2.25f};
  std::string bytes = raw_file(header) + std::string(reinterpret_cast<char*>(vals), 8);
  write_bytes(dir.file("w.safetensors"), bytes);
  SafetensorsFile f = SafetensorsFile::open(dir.file("w.safetensors"));
  Tensor t = f.get("w");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % alignof(float), 0u);
  EXPECT_EQ(t.f32()[0], 1.5f);
  EXPECT_EQ(t.f32()[1], -2.25f);
}

TEST(Safetensors, ZeroLengthTensorsDoNotOverlap) {
  TempDir dir;
  std::string h = R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  write_bytes(dir.file("z.safetensors"), raw_file(h, 8));
  SafetensorsFile f = SafetensorsFile::open(dir.file("z.safetensors"));
  EXPECT_EQ(f.get("a").numel(), 0);
  EXPECT_EQ(f.get("b").numel(), 2);
}

struct BadCase {
  const char* what;
  std::string bytes;
  std::string needle;
};

std::string entry(const std::string& fields) {
  return R"({"w":{)" + fields + "}}";
}

std::vector<BadCase> bad_cases() {
  std::string absurd_len(8, '\0');
  absurd_len[5] = 1;  // 2^40
  std::string beyond = raw_file("{}");
  beyond[1] = 4;  // header length 1026
  std::string many_dims = "[1";
  for (int i = 0; i < 64; ++i) many_dims += ",1";
  many_dims += "]";
  const std::string dt = R"("dtype":"F32",)";
  const std::string sh = R"("shape":[2],)";
  return {
      {"empty file", "", "truncated"},
      {"short file", "abc", "truncated"},
      {"header beyond file", beyond, "beyond the end of the file"},
      {"absurd header length", absurd_len + "{}", "is absurd"},
      {"invalid JSON", raw_file(R"({"w":)"), "header: invalid JSON"},
      {"empty header", raw_file(""), "header: invalid JSON"},
      {"header is an array", raw_file("[1,2]"), "header is not a JSON object"},
      {"entry not an object", raw_file(R"({"w":5})"), "tensor 'w': entry is not an object"},
      {"missing dtype", raw_file(entry(R"("shape":[2],"data_offsets":[0,8])"), 8),
       "tensor 'w': missing 'dtype'"},
      {"dtype not a string", raw_file(entry(R"("dtype":4,"shape":[2],"data_offsets":[0,8])"), 8),
       "'dtype' must be a string"},
      {"unknown dtype", raw_file(entry(R"("dtype":"Q4","shape":[2],"data_offsets":[0,8])"), 8),
       "unknown dtype 'Q4' (supported: F32, F16, BF16, F8_E4M3"},
      {"missing shape", raw_file(entry(dt + R"("data_offsets":[0,8])"), 8),
       "tensor 'w': missing 'shape'"},
      {"shape not an array", raw_file(entry(dt + R"("shape":2,"data_offsets":[0,8])"), 8),
       "'shape' must be an array"},
      {"fractional dim", raw_file(entry(dt + R"("shape":[2.5],"data_offsets":[0,8])"), 8),
       "non-negative integers"},
      {"string dim", raw_file(entry(dt + R"("shape":["2"],"data_offsets":[0,8])"), 8),
       "non-negative integers"},
      {"negative dim", raw_file(entry(dt + R"("shape":[-2],"data_offsets":[0,8])"), 8),
       "negative dimension -2"},
      {"numel overflow",
       raw_file(entry(dt + R"("shape":[4294967296,4294967296],"data_offsets":[0,8])"), 8),
       "element count overflows"},
      {"dim beyond int64",
       raw_file(entry(dt + R"("shape":[18446744073709551615],"data_offsets":[0,8])"), 8),
       "non-negative integers"},
      {"too many dims",
       raw_file(entry(dt + R"("shape":)" + many_dims + R"(,"data_offsets":[0,4])"), 4),
       "65 dimensions"},
      {"missing data_offsets", raw_file(entry(dt + R"("shape":[2])"), 8), "missing 'data_offsets'"},
      {"data_offsets of one", raw_file(entry(dt + sh + R"("data_offsets":[0])"), 8),
       "'data_offsets' must be [begin, end]"},
      {"data_offsets strings", raw_file(entry(dt + sh + R"("data_offsets":["0","8"])"), 8),
       "'data_offsets' must be [begin, end]"},
      {"negative offset", raw_file(entry(dt + sh + R"("data_offsets":[-8,0])"), 8),
       "'data_offsets' must be [begin, end]"},
      {"begin after end", raw_file(entry(dt + sh + R"("data_offsets":[8,0])"), 8),
       "data_offsets [8, 0]: begin is after end"},
      {"offsets out of range", raw_file(entry(dt + sh + R"("data_offsets":[0,400])"), 8),
       "data_offsets [0, 400] out of range: the data section has 8 bytes"},
      {"length mismatch", raw_file(entry(dt + sh + R"("data_offsets":[0,4])"), 8),
       "span 4 bytes, expected 8 for shape [2] of F32"},
      {"overlap",
       raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                12),
       "tensors 'a' and 'b' overlap"},
      {"metadata not an object", raw_file(R"({"__metadata__":5})"),
       "__metadata__ must be an object"},
      {"metadata value not a string", raw_file(R"({"__metadata__":{"k":1}})"),
       "__metadata__ must map strings to strings, but 'k' is a number"},
      {"duplicate tensor name",
       raw_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                8),
       "header: the key 'w' appears twice in one JSON object"},
      {"duplicate metadata key", raw_file(R"({"__metadata__":{"k":"a","k":"b"}})"),
       "the key 'k' appears twice"},
      {"control characters in a name", raw_file("{\"a\\nb\":5}"), "tensor 'a\\x0ab'"},
      // dump() of this would recurse 200000 levels deep; the message must not.
      {"deeply nested dim",
       raw_file(entry(dt + R"("shape":)" + std::string(200000, '[') + std::string(200000, ']') +
                      R"(,"data_offsets":[0,8])"),
                8),
       "JSON nested deeper than 64 levels"},
  };
}

TEST(Safetensors, RejectsEveryBadHeaderWithOneLineNamingFileAndTensor) {
  TempDir dir;
  for (const BadCase& c : bad_cases()) {
    SCOPED_TRACE(c.what);
    std::string path = dir.file("bad.safetensors");
    write_bytes(path, c.bytes);
    expect_error<FormatError>([&] { SafetensorsFile::open(path); }, {path + ": ", c.needle});
    // The in-memory entry point used by the fuzzer agrees.
    expect_error<FormatError>(
        [&] {
          SafetensorsFile::parse_header("mem",
                                        reinterpret_cast<const unsigned char*>(c.bytes.data()),
                                        c.bytes.size(), nullptr);
        },
        {"mem: ", c.needle});
  }
}

TEST(Safetensors, GetOfUnknownTensorNamesIt) {
  TempDir dir;
  write_safetensors(dir.file("a.safetensors"), {{"x", Tensor::zeros(DType::F32, {1})}});
  SafetensorsFile f = SafetensorsFile::open(dir.file("a.safetensors"));
  expect_error<FormatError>([&] { f.get("y"); }, {"a.safetensors: no tensor 'y'"});
  expect_error<IoError>([&] { SafetensorsFile::open(dir.file("nope.safetensors")); },
                        {"nope.safetensors: cannot open"});
}

TEST(Safetensors, WriteFailureLeavesNoTempFile) {
  TempDir dir;
  Named one = {{"x", Tensor::zeros(DType::F32, {2})}};
  expect_error<IoError>([&] { write_safetensors(dir.file("no/such/dir.safetensors"), one); },
                        {"no/such/dir.safetensors.tmp: cannot create"});
  // Renaming over a directory fails after the data is written: the temp file must go.
  fs::create_directory(dir.file("taken"));
  expect_error<IoError>([&] { write_safetensors(dir.file("taken"), one); }, {"cannot rename"});
  EXPECT_FALSE(fs::exists(dir.file("taken.tmp")));
}

TEST(SafetensorsDir, SingleFile) {
  TempDir dir;
  Named tensors = all_dtypes();
  write_safetensors_dir(dir.path(), tensors, 1);
  EXPECT_TRUE(fs::exists(dir.file("model.safetensors")));
  WeightStore s = WeightStore::open_dir(dir.path());
  EXPECT_EQ(s.names().size(), tensors.size());
  for (const auto& [name, t] : tensors) EXPECT_TRUE(same_bytes(s.get(name, t.shape), t)) << name;
  expect_error<FormatError>(
      [&] {
        s.get("t.F32", {5, 3});
      },
      {"model.safetensors: tensor 't.F32' has shape [3, 5], expected [5, 3]"});
  expect_error<FormatError>([&] { s.get("nope"); }, {dir.path() + ": missing tensor 'nope'"});
  expect_error<FormatError>([&] { s.file_of("nope"); }, {"missing tensor 'nope'"});
}

TEST(SafetensorsDir, ShardedRoundTripWithIndex) {
  TempDir dir;
  Named tensors;
  for (int i = 0; i < 10; ++i)
    tensors.emplace_back("layer." + std::to_string(i), random_tensor(DType::BF16, {16, 8 + i}, i));
  write_safetensors(dir.file("model.safetensors"), tensors);  // stale: must not shadow shards
  write_safetensors_dir(dir.path(), tensors, 3);
  EXPECT_FALSE(fs::exists(dir.file("model.safetensors")));
  for (const char* shard : {"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                            "model-00003-of-00003.safetensors"})
    EXPECT_TRUE(fs::exists(dir.file(shard))) << shard;
  Json index = read_json_file(dir.file("model.safetensors.index.json"));
  uint64_t total = 0;
  for (const auto& [name, t] : tensors) total += t.nbytes();
  EXPECT_EQ(index["metadata"]["total_size"].get<uint64_t>(), total);
  EXPECT_EQ(index["weight_map"].size(), tensors.size());

  WeightStore s = WeightStore::open_dir(dir.path());
  std::set<std::string> files;
  for (const auto& [name, t] : tensors) {
    EXPECT_TRUE(same_bytes(s.get(name), t)) << name;
    files.insert(s.file_of(name));
    EXPECT_EQ(fs::path(s.file_of(name)).filename().string(),
              index["weight_map"][name].get<std::string>());
  }
  EXPECT_EQ(files.size(), 3u);
  // Roughly equal bytes: no shard holds more than half of the total.
  for (const std::string& f : files) EXPECT_LT(fs::file_size(f), total / 2) << f;
}

TEST(SafetensorsDir, MoreShardsThanTensorsAndEmptyStore) {
  TempDir dir;
  Named two = {{"a", random_tensor(DType::F32, {4}, 1)}, {"b", random_tensor(DType::F32, {4}, 2)}};
  write_safetensors_dir(dir.path(), two, 8);
  EXPECT_TRUE(fs::exists(dir.file("model-00002-of-00002.safetensors")));
  EXPECT_TRUE(same_bytes(WeightStore::open_dir(dir.path()).get("b"), two[1].second));
  TempDir empty;
  expect_error<IoError>(
      [&] { WeightStore::open_dir(empty.path()); },
      {empty.path() +
       ": no model.safetensors, model.safetensors.index.json or *.safetensors found"});
  expect_error<IoError>([&] { WeightStore::open_dir(empty.file("missing")); }, {"not a directory"});
}

TEST(SafetensorsDir, GlobFallbackAndDuplicates) {
  TempDir dir;
  write_safetensors(dir.file("b.safetensors"), {{"y", random_tensor(DType::I8, {3}, 1)}});
  write_safetensors(dir.file("a.safetensors"), {{"x", random_tensor(DType::I8, {3}, 2)}});
  WeightStore s = WeightStore::open_dir(dir.path());
  EXPECT_EQ(s.names(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(s.file_of("x"), dir.file("a.safetensors"));
  write_safetensors(dir.file("c.safetensors"), {{"x", random_tensor(DType::I8, {3}, 3)}});
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {"tensor 'x' is in both", "a.safetensors", "c.safetensors"});
}

void write_index(const TempDir& dir, const Json& weight_map) {
  Json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}};
  write_text_file_atomic(dir.file("model.safetensors.index.json"), index.dump());
}

TEST(SafetensorsDir, InconsistentIndexIsAnErrorNamingIndexAndShard) {
  TempDir dir;
  write_safetensors(dir.file("s1.safetensors"), {{"x", random_tensor(DType::F32, {2}, 1)}});
  write_safetensors(dir.file("s2.safetensors"), {{"x", random_tensor(DType::F32, {2}, 2)},
                                                 {"y", random_tensor(DType::F32, {2}, 3)}});
  std::string index = dir.file("model.safetensors.index.json");
  write_index(dir, {{"x", "s1.safetensors"}, {"z", "gone.safetensors"}});
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "shard 'gone.safetensors'", "tensor 'z'", "does not exist"});
  write_index(dir, {{"x", "s1.safetensors"}, {"q", "s1.safetensors"}});
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "tensor 'q' is listed in shard 's1.safetensors'",
                             "s1.safetensors does not contain it"});
  write_index(dir, {{"x", "s1.safetensors"}, {"y", "s2.safetensors"}});
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {"tensor 'x' is in both", "s1.safetensors", "s2.safetensors"});
  write_index(dir, {{"x", "../s1.safetensors"}});
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "weight_map['x'] must be a file name"});
  write_index(dir, {{"x", 3}});
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "weight_map['x'] must be a file name"});
  write_text_file_atomic(index, R"({"metadata": {}})");
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "'weight_map' object"});
  write_text_file_atomic(index, R"({"weight_map": )");
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "invalid JSON at byte"});
  write_text_file_atomic(index, R"({"weight_map": {"x": "s1.safetensors", "x": "s2.safetensors"}})");
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "the key 'x' appears twice"});
  // A shard that is not a regular file says what it is instead of "does not exist".
  std::filesystem::create_directory(dir.file("adir.safetensors"));
  write_index(dir, {{"x", "adir.safetensors"}});
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "shard 'adir.safetensors'", "not a regular file but a directory"});
  std::filesystem::create_symlink("/dev/zero", dir.file("zero.safetensors"));
  write_index(dir, {{"x", "zero.safetensors"}});
  expect_error<FormatError>([&] { WeightStore::open_dir(dir.path()); },
                            {index, "shard 'zero.safetensors'", "not a regular file but a character device"});
  std::filesystem::remove(dir.file("zero.safetensors"));
  std::filesystem::remove(dir.file("adir.safetensors"));
  write_index(dir, {{"y", "s2.safetensors"}});  // s2 alone is consistent
  EXPECT_EQ(WeightStore::open_dir(dir.path()).names(), (std::vector<std::string>{"x", "y"}));
}

}  // namespace
}  // namespace r1
