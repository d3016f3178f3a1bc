// Pretraining data: a raw little-endian uint32 token file, memory-mapped, cut into [B, T+1]
// rows in sequential or seeded random order (see batch_order.h for micro-batches).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "train/batch_order.h"

namespace r1 {

class TokenFile {
 public:
  // Maps `path` and checks every id against vocab_size: FormatError naming the file when it is
  // empty, its size is not a multiple of 4 bytes, or it holds an id >= vocab_size (the first
  // such id and its position); IoError when it cannot be read.
  static TokenFile open(const std::string& path, int64_t vocab_size);

  int64_t size() const { return n_; }  // tokens
  uint32_t at(int64_t i) const;        // token i (little-endian in the file)
  const std::string& path() const { return file_->path(); }

  // Finds where documents start (token 0 and each token after `end_id`), which the documents
  // order draws from. FormatError naming the file when it holds no `end_id` before its last
  // token (one document: every row would start at 0).
  void index_documents(uint32_t end_id);
  int64_t documents() const { return int64_t(document_starts_.size()); }

  // Where a global row starts. Sequential: row r starts at r T (mod size), i.e. row b of step s
  // without accumulation at (s B + b) T, so consecutive rows overlap by the one token that is
  // both the last target of a row and the first input of the next. Random: a start drawn
  // uniformly from [0, size) by seeded_hash(seed, r). Documents: the start of document
  // seeded_hash(seed, r) mod documents() (index_documents first).
  int64_t row_start(const BatchSpec& spec, int64_t row) const;

  // Micro-batch `micro` of step `step`: tokens [B, T+1] (ids as int32), each row the T + 1
  // tokens from its start, wrapping around the end of the file.
  void fill_batch(const BatchSpec& spec, int64_t step, int64_t micro, int32_t* tokens) const;

 private:
  std::shared_ptr<MappedFile> file_;
  int64_t n_ = 0;
  std::vector<int64_t> document_starts_;  // ascending; filled by index_documents
};

}  // namespace r1
