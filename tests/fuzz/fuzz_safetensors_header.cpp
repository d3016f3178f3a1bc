// libFuzzer target: safetensors header validation on arbitrary file bytes. Any outcome but a
// FormatError or a consistent set of entries is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    std::map<std::string, std::string> meta;
    auto entries = r1::SafetensorsFile::parse_header("fuzz", data, size, &meta);
    // What the parser accepted must be safe to read: inside the file, the right length.
    for (const auto& [name, e] : entries) {
      size_t bytes = size_t(r1::shape_numel(e.shape)) * r1::dtype_size(e.dtype);
      if (e.begin > e.end || e.end > size || e.end - e.begin != bytes) std::abort();
    }
  } catch (const r1::Error&) {
  }
  return 0;
}
