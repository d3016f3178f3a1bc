// A GGUF file as an r1 model: its config from the metadata and its tensors under Hugging Face
// names, read in place from the mapping (llama.cpp's layouts undone where they differ).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/gguf_reader.h"
#include "model/config.h"
#include "model/tensor_source.h"
#include "model/weight_specs.h"

namespace r1 {

// GGUF tensors under Hugging Face names (each spec's GGUF name from the name table). Views into the
// mapping, with llama.cpp's layouts undone: ne[] reversed to PyTorch order, stacked experts
// ffn_*_exps [E, out, in] sliced into per-expert [out, in] views, and llama's q/k rows (which
// llama.cpp permutes for its interleaved RoPE) put back in rotate-half order. The k-quants and
// IQ4_XS are read in place like Q8_0 / Q4_0; llama-quantize's 32-value fallbacks are copied
// exactly at load (Q5_0 and IQ4_NL into Q8_0 blocks, Q5_1 into f32). Other tensor types are a
// FormatError naming the file, tensor and type.
// An MTP block's nextn.embed_tokens and nextn.shared_head_head, optional in llama.cpp, are read
// from token_embd and output (token_embd when tied) where the file has none of its own.
class GgufTensorSource : public TensorSource {
 public:
  GgufTensorSource(GgufFile file, const ModelConfig& c);

  bool has(const std::string& name) const override;
  Tensor get(const std::string& name) const override;
  TensorInfo info(const std::string& name) const override;  // no llama q/k copy
  std::string where(const std::string& name) const override;
  std::vector<std::string> names() const override;
  const std::string& path() const override { return file_.path(); }

 private:
  const GgufName* gguf_name(const std::string& name) const;
  // The file's tensor for `ref`: its own, or where the file leaves that out, its stand-in from
  // the main model (ref.shared) when the file has that.
  const std::string& stored_name(const GgufName& ref) const;
  // The file's tensor behind `name`, checked: present, of a type r1 reads, holding the expert.
  const GgufTensorInfo& stored_info(const std::string& name) const;
  Shape stored_shape(const std::string& name) const;  // an expert's [out, in] for a stack
  // The tensor as held (an expert's slice of its stack), before llama's q/k rows are undone.
  Tensor stored_view(const std::string& name) const;

  GgufFile file_;
  std::map<std::string, GgufName> by_name_;  // Hugging Face name -> GGUF name
  std::vector<std::string> order_;           // the Hugging Face names in table order
  Arch arch_;
  int64_t heads_, kv_heads_;
};

struct GgufModel {
  ModelConfig config;
  std::unique_ptr<TensorSource> tensors;
  // llama.cpp's rope_freqs tensor (Llama-3 rope scaling): every inverse frequency is divided by
  // its factor. Empty when the file has none.
  std::vector<float> rope_freq_factors;
};

// Opens and validates the file's header and metadata (tensors are validated by load_weights).
GgufModel open_gguf_model(const std::string& path);

// The tensor of `shape` whose bytes of ggml type `type` (one r1 reads) start at `data`: a view of
// them in the dtype r1 computes with, or for llama-quantize's fallbacks Q5_0/IQ4_NL (as Q8_0) and
// Q5_1 (as f32) their exact copy.
Tensor held_tensor(GgmlType type, const Shape& shape, const void* data,
                   const std::shared_ptr<void>& owner);

}  // namespace r1
