// Writing a model as a GGUF file llama.cpp loads: its metadata keys, tensor names and layouts
// (stacked experts, llama's permuted q/k, deepseek2's kv_b whole or split), the tokenizer, and
// tensor types as convert_hf_to_gguf.py and llama-quantize choose them.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "checkpoint/gguf_config.h"
#include "checkpoint/gguf_quant_mix.h"

namespace r1 {

struct GgufExportOptions {
  std::string model;  // checkpoint directory or GGUF file
  std::string out;    // the .gguf to write (atomically)
  GgufOutType type = GgufOutType::F16;
  MlaLayout layout = MlaLayout::KvB;  // deepseek2 only
  bool mtp = true;                    // write a deepseek2 model's MTP layers (nextn blocks)
  bool progress = true;
};

struct GgufExportReport {
  int64_t tensors = 0;
  uint64_t tensor_bytes = 0;
  std::map<std::string, int64_t> types;  // ggml type name -> tensor count
};

// Tensors are converted one row panel at a time while the file is written (fp8 block scales
// applied, then rounded or quantised exactly as ggml does), so memory stays small. Each tensor
// gets the type llama-quantize would give it (gguf_tensor_type: 1-D tensors, norms and the MoE
// router F32; the k-quant mixtures; the Q6_K output head of the quantised types; fallbacks for
// rows that are not whole blocks), so that llama-quantize on r1's f32 GGUF writes the same tensors.
// A deepseek2 model's MTP layers are written as llama.cpp names nextn blocks (GLM-4.5, GLM-DSA):
// block_count counts them, nextn_predict_layers says how many, and block N (N =
// num_hidden_layers) holds the decoder block's blk.N.* tensors plus blk.N.nextn.{eh_proj, enorm,
// hnorm, embed_tokens, shared_head_norm, shared_head_head}, typed as the main model's layers and
// (the last two) as token_embd/output; with mtp = false they are left out.
GgufExportReport export_gguf(const GgufExportOptions& o);

}  // namespace r1
