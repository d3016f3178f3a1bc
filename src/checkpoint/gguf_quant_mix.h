// The tensor type llama-quantize gives each tensor of a file type (its llama_tensor_get_type and
// the checks around it, llama.cpp Feb 2025, no importance matrix): the per-layer mixture of
// Q4_K_M / Q5_K_M / Q3_K_M, the Q6_K output head, and the fallbacks for rows that are not whole
// 256-value super-blocks.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "io/gguf_types.h"
#include "model/config.h"

namespace r1 {

// The GGUF file types r1 convert writes (llama-quantize's names, lower case: q4_k_m ...).
enum class GgufOutType { F32, F16, BF16, Q8_0, Q4_0, Q2_K, Q3_K_M, Q4_K_M, Q5_K_M, Q6_K, IQ4_XS };

// "f32" | "f16" | "bf16" | "q8_0" | "q4_0" | "q2_k" | "q3_k_m" | "q4_k_m" | "q5_k_m" | "q6_k" |
// "iq4_xs"; UsageError otherwise.
GgufOutType parse_gguf_out_type(const std::string& s);
const char* gguf_out_type_list();  // "f32, f16, ..., iq4_xs"
// llama.cpp's LLAMA_FTYPE_* for general.file_type (F32 0, F16 1, Q4_0 2, Q8_0 7, Q2_K 10, Q3_K_M
// 12, Q4_K_M 15, Q5_K_M 17, Q6_K 18, IQ4_XS 30, BF16 32).
uint32_t gguf_file_type(GgufOutType t);

// What the rules read from the model, as llama.cpp has it after loading the GGUF.
struct QuantMixModel {
  Arch arch = Arch::Qwen2;
  int64_t n_layer = 0;  // block_count
  int64_t n_head = 0;   // n_gqa() = n_head / n_head_kv
  int64_t n_head_kv = 0;
  int64_t n_expert = 0;    // expert_count (0 for dense models)
  bool has_output = true;  // an output.weight of its own (not tied to token_embd)
};
QuantMixModel quant_mix_model(const ModelConfig& c);

// The type of GGUF tensor `name` with shape (PyTorch order; its last dimension is ggml's ne[0]).
// Tensors llama-quantize does not quantise (1-D, norms, the MoE router ffn_gate_inp, anything
// not named *weight) are F32. Rows that fit no block of the chosen type fall back as in
// llama-quantize (Q2_K/Q3_K/IQ4_XS -> IQ4_NL, Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, then
// F16); Q8_0 and Q4_0 rows that are not a multiple of 32 become F16 (llama-quantize stops).
GgmlType gguf_tensor_type(GgufOutType t, const QuantMixModel& m, const std::string& name,
                          const Shape& shape);

}  // namespace r1
