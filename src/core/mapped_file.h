// Read-only memory mapping of a whole file; tensors borrow from it without copying.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace r1 {

class MappedFile {
 public:
  // Throws IoError naming the path if it cannot be opened or mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

// Hands the whole pages inside [p, p + n) back to the kernel (madvise MADV_PAGEOUT): pages of
// a file mapping that will not be read again leave the process's RSS. Never loses data (anonymous
// pages would be swapped, not dropped); a kernel without MADV_PAGEOUT just keeps them.
void release_pages(const void* p, size_t n);

}  // namespace r1
