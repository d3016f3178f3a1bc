// The mmapped token file: validation once at open, then rows read straight from the mapping.
#include "train/token_file.h"

#include <atomic>

#include "core/error.h"
#include "core/thread_pool.h"

namespace r1 {

TokenFile TokenFile::open(const std::string& path, int64_t vocab_size) {
  TokenFile f;
  f.file_ = MappedFile::open(path);
  const size_t bytes = f.file_->size();
  if (bytes == 0) throw FormatError(path + ": token file is empty");
  if (bytes % 4 != 0)
    throw FormatError(path + ": size " + std::to_string(bytes) +
                      " bytes is not a multiple of 4 (expected little-endian uint32 token ids)");
  f.n_ = int64_t(bytes / 4);
  // The first bad position over all chunks, so the message does not depend on the threads.
  std::atomic<int64_t> first_bad{f.n_};
  default_thread_pool().parallel_for(f.n_, 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if (int64_t(f.at(i)) >= vocab_size) {
        int64_t cur = first_bad.load();
        while (i < cur && !first_bad.compare_exchange_weak(cur, i)) {
        }
        return;
      }
    }
  });
  if (first_bad.load() < f.n_) {
    const int64_t i = first_bad.load();
    throw FormatError(path + ": token " + std::to_string(i) + " is id " + std::to_string(f.at(i)) +
                      ", not below the model's vocab_size " + std::to_string(vocab_size));
  }
  return f;
}

uint32_t TokenFile::at(int64_t i) const {
  const unsigned char* p = file_->data() + 4 * i;
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

void TokenFile::index_documents(uint32_t end_id) {
  document_starts_ = {0};
  for (int64_t i = 0; i + 1 < n_; ++i)
    if (at(i) == end_id) document_starts_.push_back(i + 1);
  if (document_starts_.size() < 2)
    throw FormatError(path() + ": no end-of-document token (id " + std::to_string(end_id) +
                      ") before the last token, so it is one document; --data-order documents "
                      "needs documents ended by it (as `r1 data tokenize` writes them)");
}

int64_t TokenFile::row_start(const BatchSpec& spec, int64_t row) const {
  if (spec.order == BatchOrder::Documents) {
    R1_ASSERT(!document_starts_.empty());
    return document_starts_[seeded_hash(spec.seed, uint64_t(row)) % document_starts_.size()];
  }
  if (spec.order == BatchOrder::Random)
    return int64_t(seeded_hash(spec.seed, uint64_t(row)) % uint64_t(n_));
  // (row T) mod n without overflowing for long runs on small files.
  return int64_t(static_cast<unsigned __int128>(row) * uint64_t(spec.seq_len) % uint64_t(n_));
}

void TokenFile::fill_batch(const BatchSpec& spec, int64_t step, int64_t micro,
                           int32_t* tokens) const {
  const int64_t width = spec.seq_len + 1;
  for (int64_t b = 0; b < spec.batch; ++b) {
    int64_t pos = row_start(spec, global_row(spec, step, micro, b));
    int32_t* row = tokens + b * width;  // [T+1]
    for (int64_t j = 0; j < width; ++j) {
      row[j] = int32_t(at(pos));
      if (++pos == n_) pos = 0;
    }
  }
}

}  // namespace r1
