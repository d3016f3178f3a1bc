// libFuzzer target: GGUF header validation on arbitrary file bytes, then every block type's
// dequantisation on whatever bytes its tensors hold. Any outcome but a FormatError or a file
// whose tensors all lie inside the input (and dequantise without a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "checkpoint/gguf_model.h"
#include "core/error.h"
#include "core/tensor.h"
#include "io/gguf.h"

namespace {
volatile uint8_t g_sink;  // keeps the reads below from being optimised away

// Holds the blocks of a tensor of a block type as loading does (in place, or the fallbacks'
// exact copies), then dequantises them. The bytes are copied first: an input's offsets need only
// follow its general.alignment (1 allowed).
void dequantise(const r1::GgufTensor& t) {
  const r1::GgmlTypeInfo* info = r1::ggml_type_info(uint32_t(t.type));
  if (info->block_size == 1 || t.nbytes == 0) return;
  const int64_t n = int64_t(t.nbytes / info->block_bytes) * info->block_size;
  std::vector<uint64_t> blocks((t.nbytes + 7) / 8);
  std::memcpy(blocks.data(), t.data, t.nbytes);
  const r1::Tensor held = r1::held_tensor(t.type, {1, n}, blocks.data(), nullptr);
  const r1::Tensor y = r1::to_f32(held);
  g_sink = uint8_t(y.f32()[n - 1] != 0.0f);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    r1::GgufFile f = r1::GgufFile::parse("fuzz", data, size);
    for (const r1::GgufTensorInfo& t : f.tensors()) {
      if (f.data_offset() > size || t.offset > size - f.data_offset() ||
          t.nbytes > size - f.data_offset() - t.offset)
        std::abort();
      if (!r1::ggml_type_supported(t.type)) continue;
      // Touch the first and last byte so that ASan sees any range outside the input.
      r1::GgufTensor v = f.tensor(t.name);
      const auto* p = static_cast<const uint8_t*>(v.data);
      if (v.nbytes > 0) g_sink = uint8_t(p[0] ^ p[v.nbytes - 1]);
      dequantise(v);
    }
    for (const auto& [key, value] : f.metadata().entries()) (void)value.describe();
  } catch (const r1::Error&) {
  }
  return 0;
}
