// libFuzzer target: GGUF header validation on arbitrary file bytes, then every block type's
// dequantisation on whatever bytes its tensors hold. Any outcome but a FormatError or a file
// whose tensors all lie inside the input (and dequantise without a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/kquant_dequant.h"
#include "core/quant_blocks_legacy.h"
#include "io/gguf.h"

namespace {
volatile uint8_t g_sink;  // keeps the reads below from being optimised away

// The DType of a k-quant / IQ4_XS tensor type, or F32 for the others.
r1::DType kquant_dtype(r1::GgmlType t) {
  using r1::DType;
  using r1::GgmlType;
  switch (t) {
    case GgmlType::Q2_K:
      return DType::Q2_K;
    case GgmlType::Q3_K:
      return DType::Q3_K;
    case GgmlType::Q4_K:
      return DType::Q4_K;
    case GgmlType::Q5_K:
      return DType::Q5_K;
    case GgmlType::Q6_K:
      return DType::Q6_K;
    case GgmlType::IQ4_XS:
      return DType::IQ4_XS;
    default:
      return DType::F32;
  }
}

// Dequantises (or copies exactly, as loading does) the blocks of a tensor of a block type. The
// bytes are copied first: an input's offsets need only follow its general.alignment (1 allowed).
void dequantise(const r1::GgufTensor& t) {
  using r1::GgmlType;
  const r1::GgmlTypeInfo* info = r1::ggml_type_info(uint32_t(t.type));
  if (info->block_size == 1 || t.nbytes == 0) return;
  const int64_t n = int64_t(t.nbytes / info->block_bytes) * info->block_size;
  std::vector<uint64_t> blocks((t.nbytes + 7) / 8);
  std::memcpy(blocks.data(), t.data, t.nbytes);
  const void* b = blocks.data();
  std::vector<float> y(static_cast<size_t>(n));
  std::vector<r1::block_q8_0> q8(static_cast<size_t>(n / 32));
  if (t.type == GgmlType::Q5_0)
    r1::q5_0_to_q8_0(static_cast<const r1::block_q5_0*>(b), q8.data(), n);
  else if (t.type == GgmlType::IQ4_NL)
    r1::iq4_nl_to_q8_0(static_cast<const r1::block_iq4_nl*>(b), q8.data(), n);
  else if (t.type == GgmlType::Q5_1)
    r1::dequantize_row_q5_1(static_cast<const r1::block_q5_1*>(b), y.data(), n);
  else if (r1::is_kquant(kquant_dtype(t.type)))
    r1::dequantize_row_kquant(kquant_dtype(t.type), b, y.data(), n);
  g_sink = uint8_t(y.back() != 0.0f) ^ uint8_t(q8.empty() ? 0 : q8[0].qs[0]);
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
