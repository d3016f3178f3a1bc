// NumPy .npy reading and writing for f32/i32/i64 tensors (C order, little-endian).
#include "io/npy.h"

#include <bit>
#include <cstring>
#include <string_view>

#include "core/error.h"
#include "io/file_io.h"

namespace r1 {

static_assert(std::endian::native == std::endian::little, ".npy data is read as little-endian");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kMaxDims = 64;

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

// Parses the Python dict literal of an .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(const std::string& path, std::string_view text) : path_(path), s_(text) {}

  NpyHeader parse() {
    NpyHeader h;
    bool descr = false, order = false, shape = false;
    expect('{');
    while (!consume('}')) {
      std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        h.descr = parse_string();
        descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool();
        order = true;
      } else if (key == "shape") {
        h.shape = parse_tuple();
        shape = true;
      } else {
        fail("unexpected key '" + key + "'");
      }
      if (!consume(',')) {
        expect('}');
        break;
      }
    }
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected text after the header dict");
    if (!descr || !order || !shape) fail("header lacks 'descr', 'fortran_order' or 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(path_ + ": invalid .npy header: " + what + " at offset " +
                      std::to_string(pos_));
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  bool consume(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  std::string parse_string() {
    skip_ws();
    char q = pos_ < s_.size() ? s_[pos_] : '\0';
    if (q != '\'' && q != '"') fail("expected a quoted string");
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool parse_bool() {
    skip_ws();
    for (bool v : {true, false}) {
      std::string_view word = v ? "True" : "False";
      if (s_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return v;
      }
    }
    fail("expected True or False");
  }
  Shape parse_tuple() {
    Shape shape;
    int64_t numel = 1;
    expect('(');
    while (!consume(')')) {
      int64_t d = parse_dim();
      shape.push_back(d);
      if (shape.size() > kMaxDims) fail("more than " + std::to_string(kMaxDims) + " dimensions");
      if (__builtin_mul_overflow(numel, d, &numel))
        fail("shape is absurd (element count overflows)");
      if (!consume(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }
  int64_t parse_dim() {
    skip_ws();
    size_t start = pos_;
    int64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[pos_] - '0', &v))
        fail("dimension too large");
      ++pos_;
    }
    if (pos_ == start) fail("expected a non-negative integer dimension");
    return v;
  }

  const std::string& path_;
  std::string_view s_;
  size_t pos_ = 0;
};

const char* descr_of(DType t) {
  switch (t) {
    case DType::F32:
      return "<f4";
    case DType::I32:
      return "<i4";
    case DType::I64:
      return "<i8";
    default:
      return nullptr;
  }
}

// Python tuple syntax: (), (5,), (2, 3).
std::string shape_tuple(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  out += ")";
  return out;
}

uint32_t read_le(const std::string& b, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

}  // namespace

void write_npy(const std::string& path, const Tensor& t) {
  const char* descr = descr_of(t.dtype);
  if (!descr)
    throw FormatError(path + ": cannot write a " + dtype_name(t.dtype) +
                      " tensor as .npy (F32, I32 or I64 expected)");
  R1_ASSERT_MSG(t.data != nullptr || t.numel() == 0, "write_npy of an undefined tensor");
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape_tuple(t.shape) + ", }";
  size_t unpadded = kMagicLen + 4 + header.size() + 1;  // magic, version, length, dict, '\n'
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  R1_ASSERT(header.size() <= 0xffff);
  unsigned char prefix[kMagicLen + 4];
  std::memcpy(prefix, kMagic, kMagicLen);
  prefix[6] = 1;  // version 1.0
  prefix[7] = 0;
  prefix[8] = static_cast<unsigned char>(header.size() & 0xff);
  prefix[9] = static_cast<unsigned char>(header.size() >> 8);
  AtomicFileWriter w(path);
  w.write(prefix, sizeof prefix);
  w.write(header.data(), header.size());
  w.write(t.data, t.nbytes());
  w.commit();
}

Tensor read_npy(const std::string& path) {
  std::string b = read_file(path);
  if (b.size() < kMagicLen + 4 || b.compare(0, kMagicLen, kMagic) != 0)
    throw FormatError(path + ": not an .npy file (missing the \\x93NUMPY magic)");
  int major = static_cast<unsigned char>(b[6]);
  if (major < 1 || major > 3)
    throw FormatError(path + ": unsupported .npy version " + std::to_string(major) +
                      " (expected 1, 2 or 3)");
  size_t len_bytes = major == 1 ? 2 : 4;
  size_t start = kMagicLen + 2 + len_bytes;
  if (b.size() < start) throw FormatError(path + ": truncated .npy header");
  size_t hlen = read_le(b, kMagicLen + 2, len_bytes);
  if (hlen > b.size() - start)
    throw FormatError(path + ": truncated: header length " + std::to_string(hlen) +
                      " is beyond the end of the file");
  NpyHeader h = HeaderParser(path, std::string_view(b).substr(start, hlen)).parse();
  DType dtype;
  if (h.descr == "<f4") {
    dtype = DType::F32;
  } else if (h.descr == "<i4") {
    dtype = DType::I32;
  } else if (h.descr == "<i8") {
    dtype = DType::I64;
  } else {
    throw FormatError(path + ": unsupported dtype descr '" + h.descr.substr(0, 64) +
                      "' (expected '<f4', '<i4' or '<i8')");
  }
  if (h.fortran_order && h.shape.size() > 1)
    throw FormatError(path + ": fortran_order True is not supported (expected C order)");
  size_t have = b.size() - start - hlen;
  uint64_t want = 0;
  if (__builtin_mul_overflow(uint64_t(shape_numel(h.shape)), dtype_size(dtype), &want) ||
      want != have)
    throw FormatError(path + ": data has " + std::to_string(have) + " bytes, expected " +
                      std::to_string(want) + " for shape " + shape_str(h.shape) + " of '" +
                      h.descr + "'");
  Tensor t = Tensor::zeros(dtype, h.shape);
  std::memcpy(t.data, b.data() + start + hlen, have);
  return t;
}

}  // namespace r1
