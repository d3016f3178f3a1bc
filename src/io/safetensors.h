// Safetensors checkpoints: one file or shards with model.safetensors.index.json, memory-mapped
// and validated (header, offsets, dtype x shape); and an atomic writer.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor.h"

namespace r1 {

struct TensorEntry {
  DType dtype;
  Shape shape;
  size_t begin = 0;  // byte offsets relative to the start of the data section
  size_t end = 0;
};

// One .safetensors file. open() validates the whole header: its length against the file size,
// JSON syntax, every dtype, shape and offset pair (in range, non-overlapping, length equal to
// numel x dtype size). Every failure is a FormatError naming the file and the tensor.
class SafetensorsFile {
 public:
  static SafetensorsFile open(const std::string& path);
  // Validates the header of a whole file held in memory (`bytes`, `size`: the 8-byte length,
  // the JSON header and the data section) and returns its tensors; used by open() and the
  // fuzzer. `meta` (may be null) receives __metadata__.
  static std::map<std::string, TensorEntry> parse_header(const std::string& path,
                                                         const unsigned char* bytes, size_t size,
                                                         std::map<std::string, std::string>* meta);

  const std::string& path() const { return file_->path(); }
  const std::map<std::string, TensorEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  // A view into the mapping, no copy; only a tensor whose address is misaligned for its dtype
  // (possible with writers that do not pad the header) is copied into aligned memory.
  Tensor get(const std::string& name) const;

 private:
  std::shared_ptr<MappedFile> file_;
  size_t data_offset_ = 0;
  std::map<std::string, TensorEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// All weights of a checkpoint directory: `model.safetensors`, or the shards listed in
// `model.safetensors.index.json` (every listed shard must exist and hold the tensors the
// index says it holds), or, failing both, every *.safetensors file in the directory.
class WeightStore {
 public:
  static WeightStore open_dir(const std::string& dir);

  bool has(const std::string& name) const { return where_.count(name) != 0; }
  // Throws FormatError "<dir>: missing tensor 'name'" when absent.
  Tensor get(const std::string& name) const;
  // get() plus a shape check: "<file>: tensor 'name' has shape [a, b], expected [c, d]".
  Tensor get(const std::string& name, const Shape& expected) const;
  std::string file_of(const std::string& name) const;
  std::vector<std::string> names() const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<SafetensorsFile> files_;
  std::map<std::string, size_t> where_;  // tensor name -> index into files_
};

// Writes tensors (in the given order) to `path` atomically (temp file, fsync, rename).
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Splits tensors into `num_shards` files named model-0000i-of-0000N.safetensors plus
// model.safetensors.index.json (num_shards == 1 writes a single model.safetensors).
void write_safetensors_dir(const std::string& dir,
                           const std::vector<std::pair<std::string, Tensor>>& tensors,
                           int num_shards);

}  // namespace r1
