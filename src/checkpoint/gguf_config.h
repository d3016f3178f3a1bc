// Model configuration <-> GGUF metadata, with llama.cpp's keys for deepseek2, qwen2 and llama
// (src/llama-arch.cpp LLM_KV_NAMES; values as convert_hf_to_gguf.py writes them).
#pragma once

#include "io/gguf_reader.h"
#include "io/gguf_value.h"
#include "model/config.h"

namespace r1 {

// How a deepseek2 GGUF stores MLA's kv_b_proj: whole (attn_kv_b, the first published R1 GGUFs
// and the llama.cpp of early 2025) or split per head (attn_k_b / attn_v_b, newer llama.cpp).
enum class MlaLayout { KvB, KbVb };

// The config a GGUF's metadata describes, completed from its tensors where the metadata is
// silent (vocabulary size, tied output, biases). Validated as config.json is; FormatError
// naming the file and the key (or ConfigError for inconsistent values). The last
// nextn_predict_layers of block_count are MTP layers (llama.cpp's nextn blocks): a deepseek2
// file's become num_nextn_predict_layers when the file has tensors of them, otherwise (and for
// other architectures) they are left out with a note.
ModelConfig gguf_model_config(const GgufFile& f);

// The GGUF layout of an MLA file's kv_b_proj (KvB for other architectures).
MlaLayout gguf_mla_layout(const GgufFile& f);

// Appends general.architecture and the architecture's keys for `c` as llama.cpp reads them
// (a deepseek2 config's MTP layers counted in block_count and named by nextn_predict_layers).
// ConfigError for a config llama.cpp cannot express (moe_layer_freq > 1, YaRN with mscale !=
// mscale_all_dim or non-default beta, rope scaling on qwen2). Llama-3 rope scaling is not a key:
// the caller writes the rope_freqs tensor (gguf_rope_freq_factors).
void add_gguf_model_metadata(const ModelConfig& c, MlaLayout layout, GgufMetadata& md);

// llama.cpp's rope_freqs for llama3 rope scaling: inv_freq divisors [head_dim / 2] equal to
// r1's (and Hugging Face's) scaled frequencies; empty for other configs.
std::vector<float> gguf_rope_freq_factors(const ModelConfig& c);

// The llama.cpp architecture name: "deepseek2", "qwen2" or "llama".
const char* gguf_arch_name(Arch a);

}  // namespace r1
