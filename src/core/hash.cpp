// fnv1a_words: FNV-1a's mixing over 8-byte words.
#include "core/hash.h"

#include <cstring>

namespace r1 {

uint64_t fnv1a_words(const void* data, size_t bytes, uint64_t h) {
  const char* p = static_cast<const char*>(data);
  size_t at = 0;
  for (; at + 8 <= bytes; at += 8) {
    uint64_t w;
    std::memcpy(&w, p + at, 8);
    h = (h ^ w) * kFnv1aPrime;
  }
  return fnv1a(std::string_view(p + at, bytes - at), h);
}

}  // namespace r1
