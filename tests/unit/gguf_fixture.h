// Shared material for the GGUF model tests: tokenizers trained on the test corpus (vocab 600,
// below the presets' 1024), tiny f32 checkpoints of every preset with them, and their GGUF
// exports, each made once per test run; how close quantised logits are to a reference.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "checkpoint/gguf_export.h"
#include "core/tensor.h"
#include "io/gguf.h"

namespace r1::test {

// "deepseek-v3", "qwen2" or "llama3": a trained tokenizer directory.
const std::string& gguf_test_tokenizer(const std::string& family);
// The tokenizer family each tiny preset is given.
std::string gguf_test_family(const std::string& preset);
// "tiny", "tiny-v2", "tiny-qwen2", "tiny-llama": an f32 checkpoint directory with its tokenizer.
const std::string& gguf_test_model(const std::string& preset);
// The preset exported by export_gguf (cached per type and layout).
const std::string& gguf_test_file(const std::string& preset, GgufOutType type,
                                  MlaLayout layout = MlaLayout::KvB);

// How close logits [T, V] of a quantised model are to a reference: top-1 agreement, mean
// KL(p_ref || p) and max relative logit error over the rows.
struct Closeness {
  double agree = 0, kl = 0, rel = 0;
};
Closeness closeness(const Tensor& ref, const Tensor& got);

// A tensor of a GGUF being rewritten: its bytes are either borrowed or owned here.
struct GgufTensorCopy {
  std::string name;
  GgmlType type;
  Shape shape;
  std::string bytes;
};
// Writes a copy of `src` to `dst` after `edit` changed its metadata and tensors.
void rewrite_gguf(const std::string& src, const std::string& dst,
                  const std::function<void(GgufMetadata&, std::vector<GgufTensorCopy>&)>& edit);

}  // namespace r1::test
