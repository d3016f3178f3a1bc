// Safetensors: header validation, zero-copy tensor views into the mapping, checkpoint
// directories (single file, index + shards, or a glob) and the atomic writers.
#include "io/safetensors.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <tuple>

#include "core/error.h"
#include "io/file_io.h"
#include "io/json_file.h"

namespace r1 {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr size_t kMaxDims = 64;
constexpr DType kAllDTypes[] = {DType::F32, DType::F16, DType::BF16, DType::F8_E4M3,
                                DType::F64, DType::I64, DType::I32,  DType::I16,
                                DType::I8,  DType::U8,  DType::BOOL};

std::string supported_dtypes() {
  std::string out;
  for (DType t : kAllDTypes) out += std::string(out.empty() ? "" : ", ") + dtype_name(t);
  return out;
}

uint64_t read_le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void write_le64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

// A non-negative JSON integer (at most INT64_MAX), or nothing.
std::optional<uint64_t> as_index(const Json& v) {
  if (v.is_number_unsigned()) {
    uint64_t x = v.get<uint64_t>();
    if (x <= uint64_t(INT64_MAX)) return x;
  } else if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    return uint64_t(v.get<int64_t>());
  }
  return std::nullopt;
}

// Validates one tensor entry of the header; every failure names the file and the tensor.
class EntryParser {
 public:
  EntryParser(const std::string& path, const std::string& name, uint64_t data_size)
      : path_(path), name_(name), data_size_(data_size) {}

  TensorEntry parse(const Json& e) const {
    if (!e.is_object()) fail(std::string("entry is not an object but ") + e.type_name());
    TensorEntry out;
    out.dtype = parse_dtype(e);
    out.shape = parse_shape(e);
    parse_offsets(e, out);
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    throw FormatError(path_ + ": tensor " + quote_untrusted(name_) + ": " + msg);
  }

  const Json& field(const Json& e, const char* key) const {
    auto it = e.find(key);
    if (it == e.end()) fail(std::string("missing '") + key + "'");
    return *it;
  }

  DType parse_dtype(const Json& e) const {
    const Json& v = field(e, "dtype");
    if (!v.is_string()) fail(std::string("'dtype' must be a string, got ") + v.type_name());
    const std::string& s = v.get_ref<const std::string&>();
    std::optional<DType> t = dtype_from_name(s);
    if (!t) fail("unknown dtype " + quote_untrusted(s) + " (supported: " + supported_dtypes() + ")");
    return *t;
  }

  Shape parse_shape(const Json& e) const {
    const Json& v = field(e, "shape");
    if (!v.is_array()) fail(std::string("'shape' must be an array, got ") + v.type_name());
    if (v.size() > kMaxDims)
      fail("'shape' has " + std::to_string(v.size()) + " dimensions (at most " +
           std::to_string(kMaxDims) + " supported)");
    Shape shape;
    int64_t numel = 1;
    for (const Json& d : v) {
      if (d.is_number_integer() && !d.is_number_unsigned() && d.get<int64_t>() < 0)
        fail("negative dimension " + std::to_string(d.get<int64_t>()) + " in 'shape'");
      std::optional<uint64_t> x = as_index(d);
      if (!x) fail("'shape' must hold non-negative integers, got " + json_preview(d));
      shape.push_back(int64_t(*x));
      // Every prefix product must fit so that shape_numel() and stride math cannot overflow.
      if (__builtin_mul_overflow(numel, int64_t(*x), &numel))
        fail("'shape' " + shape_str(shape) + "... is absurd (element count overflows)");
    }
    return shape;
  }

  void parse_offsets(const Json& e, TensorEntry& out) const {
    const Json& v = field(e, "data_offsets");
    std::optional<uint64_t> b, en;
    if (v.is_array() && v.size() == 2) {
      b = as_index(v[0]);
      en = as_index(v[1]);
    }
    if (!b || !en)
      fail("'data_offsets' must be [begin, end] with non-negative integers, got " +
           json_preview(v));
    std::string offs = "data_offsets [" + std::to_string(*b) + ", " + std::to_string(*en) + "]";
    if (*b > *en) fail(offs + ": begin is after end");
    if (*en > data_size_)
      fail(offs + " out of range: the data section has " + std::to_string(data_size_) + " bytes");
    uint64_t want = 0;
    bool overflow = __builtin_mul_overflow(uint64_t(shape_numel(out.shape)),
                                           uint64_t(dtype_size(out.dtype)), &want);
    if (overflow || *en - *b != want)
      fail(offs + " span " + std::to_string(*en - *b) + " bytes, expected " +
           (overflow ? std::string("more than 2^64") : std::to_string(want)) + " for shape " +
           shape_str(out.shape) + " of " + dtype_name(out.dtype));
    out.begin = size_t(*b);
    out.end = size_t(*en);
  }

  const std::string& path_;
  const std::string& name_;
  uint64_t data_size_;
};

void parse_metadata(const std::string& path, const Json& v,
                    std::map<std::string, std::string>* meta) {
  if (!v.is_object())
    throw FormatError(path + ": __metadata__ must be an object of strings, got " + v.type_name());
  for (const auto& [k, s] : v.items()) {
    if (!s.is_string())
      throw FormatError(path + ": __metadata__ must map strings to strings, but " + quote_untrusted(k) +
                        " is a " + s.type_name());
    if (meta) (*meta)[k] = s.get<std::string>();
  }
}

// Zero-length tensors occupy no bytes and so cannot overlap anything.
void check_overlaps(const std::string& path, const std::map<std::string, TensorEntry>& entries) {
  std::vector<std::pair<const std::string*, const TensorEntry*>> order;
  for (const auto& [name, e] : entries)
    if (e.end > e.begin) order.emplace_back(&name, &e);
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    return std::tie(x.second->begin, x.second->end) < std::tie(y.second->begin, y.second->end);
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const TensorEntry& prev = *order[i - 1].second;
    const TensorEntry& cur = *order[i].second;
    if (cur.begin < prev.end)
      throw FormatError(path + ": tensors " + quote_untrusted(*order[i - 1].first) + " and " +
                        quote_untrusted(*order[i].first) + " overlap (bytes " +
                        std::to_string(prev.begin) + ".." + std::to_string(prev.end) + " and " +
                        std::to_string(cur.begin) + ".." + std::to_string(cur.end) + ")");
  }
}

Json parse_header_json(const std::string& path, const unsigned char* p, size_t n) {
  const char* text = reinterpret_cast<const char*>(p);
  return parse_json_unique_keys(path + ": header", text, text + n);
}

}  // namespace

std::map<std::string, TensorEntry> SafetensorsFile::parse_header(
    const std::string& path, const unsigned char* bytes, size_t size,
    std::map<std::string, std::string>* meta) {
  if (size < 8)
    throw FormatError(path + ": truncated: " + std::to_string(size) +
                      " bytes, expected at least the 8-byte header length");
  uint64_t n = read_le64(bytes);
  if (n > kMaxHeaderBytes)
    throw FormatError(path + ": header length " + std::to_string(n) + " is absurd (limit " +
                      std::to_string(kMaxHeaderBytes) + " bytes)");
  if (n > size - 8)
    throw FormatError(path + ": truncated: header length " + std::to_string(n) +
                      " is beyond the end of the file (" + std::to_string(size) + " bytes)");
  Json header = parse_header_json(path, bytes + 8, size_t(n));
  if (!header.is_object())
    throw FormatError(path + ": header is not a JSON object but " + header.type_name());
  uint64_t data_size = size - 8 - n;
  std::map<std::string, TensorEntry> entries;
  for (const auto& [name, v] : header.items()) {
    if (name == "__metadata__") {
      parse_metadata(path, v, meta);
      continue;
    }
    entries.emplace(name, EntryParser(path, name, data_size).parse(v));
  }
  check_overlaps(path, entries);
  return entries;
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  f.file_ = MappedFile::open(path);
  f.entries_ = parse_header(path, f.file_->data(), f.file_->size(), &f.metadata_);
  f.data_offset_ = 8 + size_t(read_le64(f.file_->data()));
  return f;
}

// A view shares ownership of the mapping. The data section starts at 8 + header length,
// which writers other than ours need not pad, so a tensor can sit at an address misaligned
// for its dtype; such a tensor is copied into aligned memory instead.
Tensor SafetensorsFile::get(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw FormatError(path() + ": no tensor " + quote_untrusted(name));
  const TensorEntry& e = it->second;
  const unsigned char* p = file_->data() + data_offset_ + e.begin;
  if (reinterpret_cast<uintptr_t>(p) % dtype_size(e.dtype) != 0) {
    Tensor t = Tensor::zeros(e.dtype, e.shape);
    std::memcpy(t.data, p, e.end - e.begin);
    return t;
  }
  std::shared_ptr<void> owner(file_, const_cast<unsigned char*>(p));
  return Tensor::view(e.dtype, e.shape, p, std::move(owner));
}

namespace {

using FileList = std::vector<SafetensorsFile>;
using WhereMap = std::map<std::string, size_t>;

void add_file(const std::string& dir, FileList& files, WhereMap& where, SafetensorsFile f) {
  size_t idx = files.size();
  for (const auto& [name, e] : f.entries()) {
    auto [it, inserted] = where.emplace(name, idx);
    if (!inserted)
      throw FormatError(dir + ": tensor " + quote_untrusted(name) + " is in both " +
                        files[it->second].path() + " and " + f.path());
  }
  files.push_back(std::move(f));
}

bool is_plain_file_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\0') == std::string::npos;
}

std::string file_kind(const fs::file_status& st) {
  switch (st.type()) {
    case fs::file_type::directory: return "a directory";
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    default: return "something else";
  }
}

// A shard must be a regular file (symlinks to one are fine): not missing, not a directory, and
// not a device such as /dev/zero, which would map as an endless stream of zeros.
void check_shard_file(const std::string& index, const std::string& shard, const std::string& tensor,
                      const std::string& shard_path) {
  std::error_code ec;
  const fs::file_status st = fs::status(shard_path, ec);
  const std::string what = index + ": shard " + quote_untrusted(shard) + " (listed for tensor " +
                           quote_untrusted(tensor) + ")";
  if (!fs::exists(st))
    throw FormatError(what + " does not exist in " + fs::path(index).parent_path().string());
  if (!fs::is_regular_file(st))
    throw FormatError(what + " is not a regular file but " + file_kind(st) +
                      "; expected a .safetensors file");
}

void open_index(const std::string& dir, const std::string& index, FileList& files,
                WhereMap& where) {
  const std::string text = read_file(index);
  Json j = parse_json_unique_keys(index, text.data(), text.data() + text.size());
  auto wm = j.is_object() ? j.find("weight_map") : j.end();
  if (!j.is_object() || wm == j.end() || !wm->is_object())
    throw FormatError(index + ": expected an object with a 'weight_map' object");
  std::map<std::string, std::string> shard_of;  // tensor -> shard file name
  std::map<std::string, size_t> shard_index;    // shard file name -> index into files
  for (const auto& [name, v] : wm->items()) {
    if (!v.is_string() || !is_plain_file_name(v.get<std::string>()))
      throw FormatError(index + ": weight_map[" + quote_untrusted(name) + "] must be a file name in " +
                        dir + ", got " + json_preview(v));
    const std::string& shard = v.get_ref<const std::string&>();
    shard_of[name] = shard;
    if (shard_index.count(shard)) continue;
    std::string shard_path = dir + "/" + shard;
    check_shard_file(index, shard, name, shard_path);
    shard_index[shard] = files.size();
    add_file(dir, files, where, SafetensorsFile::open(shard_path));
  }
  for (const auto& [name, shard] : shard_of)
    if (!files[shard_index[shard]].has(name))
      throw FormatError(index + ": tensor " + quote_untrusted(name) + " is listed in shard " +
                        quote_untrusted(shard) + " but " + files[shard_index[shard]].path() +
                        " does not contain it");
}

std::vector<std::string> glob_safetensors(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_regular_file(ec) && name.size() > 12 &&
        name.compare(name.size() - 12, 12, ".safetensors") == 0)
      out.push_back(dir + "/" + name);
  }
  if (ec) throw IoError(dir + ": cannot list directory: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

WeightStore WeightStore::open_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError(dir + ": not a directory");
  WeightStore s;
  s.dir_ = dir;
  std::string single = dir + "/model.safetensors";
  std::string index = dir + "/model.safetensors.index.json";
  if (fs::exists(single, ec)) {
    add_file(dir, s.files_, s.where_, SafetensorsFile::open(single));
  } else if (fs::exists(index, ec)) {
    open_index(dir, index, s.files_, s.where_);
  } else {
    std::vector<std::string> paths = glob_safetensors(dir);
    if (paths.empty())
      throw IoError(dir +
                    ": no model.safetensors, model.safetensors.index.json or *.safetensors found");
    for (const std::string& p : paths) add_file(dir, s.files_, s.where_, SafetensorsFile::open(p));
  }
  return s;
}

Tensor WeightStore::get(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw FormatError(dir_ + ": missing tensor " + quote_untrusted(name));
  return files_[it->second].get(name);
}

Tensor WeightStore::get(const std::string& name, const Shape& expected) const {
  Tensor t = get(name);
  if (t.shape != expected)
    throw FormatError(file_of(name) + ": tensor " + quote_untrusted(name) + " has shape " +
                      shape_str(t.shape) + ", expected " + shape_str(expected));
  return t;
}

std::string WeightStore::file_of(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw FormatError(dir_ + ": missing tensor " + quote_untrusted(name));
  return files_[it->second].path();
}

std::vector<std::string> WeightStore::names() const {
  std::vector<std::string> out;
  out.reserve(where_.size());
  for (const auto& [name, idx] : where_) out.push_back(name);
  return out;
}

void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    R1_ASSERT_MSG(!header.contains(name), "duplicate tensor name '" + name + "'");
    R1_ASSERT_MSG(t.data != nullptr || t.numel() == 0, "undefined tensor '" + name + "'");
    header[name] = {{"dtype", dtype_name(t.dtype)},
                    {"shape", t.shape},
                    {"data_offsets", Json::array({offset, offset + t.nbytes()})}};
    offset += t.nbytes();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {
    throw IoError(path + ": cannot encode the header: " + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char len[8];
  write_le64(len, text.size());
  AtomicFileWriter w(path);
  w.write(len, sizeof len);
  w.write(text.data(), text.size());
  for (const auto& [name, t] : tensors) w.write(t.data, t.nbytes());
  w.commit();
}

namespace {

// Assigns tensors (kept in order) to n shards of roughly equal bytes, none of them empty.
std::vector<size_t> assign_shards(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                  size_t n) {
  double total = 0;
  for (const auto& [name, t] : tensors) total += double(t.nbytes());
  std::vector<size_t> out(tensors.size());
  size_t shard = 0;
  bool shard_empty = true;
  double before = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    double bytes = double(tensors[i].second.nbytes());
    if (!shard_empty && shard + 1 < n) {
      bool must_move = tensors.size() - i == n - shard - 1;
      double boundary = total * double(shard + 1) / double(n);
      if (must_move || before + bytes / 2 > boundary) {
        ++shard;
        shard_empty = true;
      }
    }
    out[i] = shard;
    shard_empty = false;
    before += bytes;
  }
  return out;
}

std::string shard_name(size_t i, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, n);
  return buf;
}

}  // namespace

void write_safetensors_dir(const std::string& dir,
                           const std::vector<std::pair<std::string, Tensor>>& tensors,
                           int num_shards) {
  if (num_shards < 1)
    throw UsageError("number of shards must be at least 1, got " + std::to_string(num_shards));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(dir + ": cannot create directory: " + ec.message());
  size_t n = std::max<size_t>(1, std::min(size_t(num_shards), tensors.size()));
  if (n == 1) {
    write_safetensors(dir + "/model.safetensors", tensors);
    return;
  }
  std::vector<size_t> shard_of = assign_shards(tensors, n);
  Json weight_map = Json::object();
  uint64_t total = 0;
  for (size_t s = 0; s < n; ++s) {
    std::vector<std::pair<std::string, Tensor>> part;
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (shard_of[i] != s) continue;
      part.push_back(tensors[i]);
      weight_map[tensors[i].first] = shard_name(s, n);
      total += tensors[i].second.nbytes();
    }
    write_safetensors(dir + "/" + shard_name(s, n), part);
  }
  Json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  write_text_file_atomic(dir + "/model.safetensors.index.json", index.dump(2) + "\n");
  // A model.safetensors left from an earlier write would shadow the new index when loading.
  fs::remove(dir + "/model.safetensors", ec);
}

}  // namespace r1
