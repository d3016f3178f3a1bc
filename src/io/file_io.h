// Whole-file reads and crash-safe writes (temp file, fsync, rename) shared by the io writers.
#pragma once

#include <cstddef>
#include <string>

namespace r1 {

// Reads a whole file; IoError naming the path if it cannot be opened or read.
std::string read_file(const std::string& path);

// Writes `path` atomically: data goes to `path + ".tmp"`, and commit() fsyncs it and renames it
// over `path`. Destroying the writer without commit() removes the temp file, so a failed or
// interrupted write never leaves a partial file under the final name. Errors are IoErrors.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t n);
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what);
  std::string path_;
  std::string tmp_;
  int fd_ = -1;
};

}  // namespace r1
