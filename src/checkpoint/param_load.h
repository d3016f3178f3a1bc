// A checkpoint's tensors into a training parameter buffer, from a safetensors directory or a
// GGUF file alike: every stored dtype (FP8 blocks, F16, BF16, ggml's blocks) becomes f32, and
// MLA's kv_b_proj is joined back from the split k_b/v_b that newer llama.cpp GGUFs store.
#pragma once

#include "model/param_layout.h"
#include "model/tensor_source.h"

namespace r1 {

// load_params over `source`, with kv_b_proj rebuilt where the source holds only
// "self_attn.k_b_proj.weight" [H, kv_lora_rank, nope] and "self_attn.v_b_proj.weight"
// [H, v_head_dim, kv_lora_rank] (mla_split_specs). One note (log_note) names the quantised
// block types (Q8_0, Q4_K, ...) that were dequantised: their rounding stays in the trained
// weights.
void load_params_from(const ParamLayout& layout, const TensorSource& source, float* params);

}  // namespace r1
