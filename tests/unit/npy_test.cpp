// .npy round trips, the exact header numpy writes, and malformed files; plus JSON file helpers.
#include "io/npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "io/json_file.h"
#include "io_test_util.h"

namespace r1 {
namespace {

using r1::testing::expect_error;
using r1::testing::read_bytes;
using r1::testing::TempDir;
using r1::testing::write_bytes;

Tensor iota(DType dtype, Shape shape) {
  Tensor t = Tensor::zeros(dtype, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (dtype == DType::F32) t.f32()[i] = float(i) * 0.5f - 3.0f;
    if (dtype == DType::I32) t.as<int32_t>()[i] = int32_t(i) - 7;
    if (dtype == DType::I64) t.as<int64_t>()[i] = (int64_t(1) << 40) + i;
  }
  return t;
}

// What numpy 1.x writes for np.zeros((2, 3), '<f4'): version 1.0, header padded to 64 bytes.
std::string numpy_file(const std::string& dict, const std::string& data, int version = 1) {
  size_t prefix = version == 1 ? 10 : 12;
  std::string h = dict;
  while ((prefix + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += char(version);
  out += '\0';
  for (size_t i = 0; i < prefix - 8; ++i) out += char((h.size() >> (8 * i)) & 0xff);
  return out + h + data;
}

TEST(Npy, RoundTripAllDTypesAndShapes) {
  TempDir dir;
  for (DType d : {DType::F32, DType::I32, DType::I64}) {
    for (const Shape& s : {Shape{}, Shape{5}, Shape{2, 3}, Shape{0, 4}, Shape{2, 1, 3}}) {
      SCOPED_TRACE(std::string(dtype_name(d)) + " " + shape_str(s));
      Tensor t = iota(d, s);
      std::string path = dir.file("t.npy");
      write_npy(path, t);
      EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
      Tensor r = read_npy(path);
      EXPECT_EQ(r.dtype, d);
      EXPECT_EQ(r.shape, s);
      EXPECT_EQ(std::memcmp(r.data, t.data, t.nbytes()), 0);
      std::string bytes = read_bytes(path);
      size_t hlen = size_t(uint8_t(bytes[8])) | size_t(uint8_t(bytes[9])) << 8;
      EXPECT_EQ((10 + hlen) % 64, 0u);
      EXPECT_EQ(bytes[10 + hlen - 1], '\n');
    }
  }
}

TEST(Npy, HeaderIsWhatNumpyWrites) {
  TempDir dir;
  write_npy(dir.file("a.npy"), iota(DType::F32, {2, 3}));
  std::string expected_header =
      numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", "");
  EXPECT_EQ(read_bytes(dir.file("a.npy")).substr(0, expected_header.size()), expected_header);
  write_npy(dir.file("b.npy"), iota(DType::I64, {7}));
  EXPECT_NE(read_bytes(dir.file("b.npy")).find("'shape': (7,), }"), std::string::npos);
}

TEST(Npy, ReadsVersion2AndOtherKeyOrders) {
  TempDir dir;
  int32_t v[3] = {1, -2, 3};
  std::string data(reinterpret_cast<char*>(v), sizeof v);
  write_bytes(dir.file("v2.npy"),
              numpy_file("{\"shape\": (3,), \"fortran_order\": False, \"descr\": '<i4'}", data, 2));
  Tensor t = read_npy(dir.file("v2.npy"));
  EXPECT_EQ(t.shape, Shape{3});
  EXPECT_EQ(t.as<int32_t>()[1], -2);
}

TEST(Npy, RejectsMalformedFiles) {
  TempDir dir;
  std::string f8(16, '\0');
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  struct Case {
    std::string bytes, needle;
  } cases[] = {
      {"", "not an .npy file"},
      {"PK\x03\x04 zip file", "not an .npy file"},
      {numpy_file(ok_dict, f8.substr(0, 8), 4), "unsupported .npy version 4"},
      {numpy_file(ok_dict, f8.substr(0, 8)).substr(0, 20), "beyond the end of the file"},
      {numpy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8),
       "unsupported dtype descr '<f8' (expected '<f4', '<i4' or '<i8')"},
      {numpy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f8.substr(0, 8)),
       "unsupported dtype descr '>f4'"},
      {numpy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f8),
       "fortran_order True is not supported"},
      {numpy_file(ok_dict, f8.substr(0, 4)), "data has 4 bytes, expected 8 for shape [2]"},
      {numpy_file(ok_dict, f8), "data has 16 bytes, expected 8"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False}", ""), "lacks"},
      {numpy_file("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", f8),
       "expected True or False"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", f8),
       "expected a non-negative integer dimension"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", f8),
       "dimension too large"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
                  f8),
       "element count overflows"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", f8),
       "unexpected key 'x'"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} extra", f8),
       "unexpected text after the header dict"},
      {numpy_file("{'descr': '<f4", f8), "unterminated string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.needle);
    write_bytes(dir.file("bad.npy"), c.bytes);
    expect_error<FormatError>([&] { read_npy(dir.file("bad.npy")); },
                              {dir.file("bad.npy") + ": ", c.needle});
  }
  expect_error<IoError>([&] { read_npy(dir.file("missing.npy")); }, {"missing.npy: cannot open"});
  expect_error<FormatError>([&] { write_npy(dir.file("h.npy"), Tensor::zeros(DType::BF16, {2})); },
                            {"h.npy: cannot write a BF16 tensor as .npy"});
}

TEST(Json, ReadWriteAndErrors) {
  TempDir dir;
  write_text_file_atomic(dir.file("a.json"), R"({"x": [1, 2]})");
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.json.tmp")));
  EXPECT_EQ(read_json_file(dir.file("a.json"))["x"][1], 2);
  write_text_file_atomic(dir.file("a.json"), "{\n  \"x\": [1, 2,]\n}");
  expect_error<FormatError>([&] { read_json_file(dir.file("a.json")); },
                            {dir.file("a.json") + ": invalid JSON at byte 16: ", "line 2"});
  expect_error<IoError>([&] { read_json_file(dir.file("none.json")); }, {"none.json: cannot open"});
  expect_error<IoError>([&] { read_json_file(dir.path()); }, {"not a regular file"});
  expect_error<IoError>([&] { write_text_file_atomic(dir.file("no/dir.json"), "{}"); },
                        {"no/dir.json.tmp: cannot create"});
}

}  // namespace
}  // namespace r1
