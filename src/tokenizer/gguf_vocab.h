// llama.cpp's tokenizer metadata (tokenizer.ggml.*) <-> r1's tokenizer, for byte-level BPE
// ("gpt2") with the pre-tokenizers llama.cpp calls deepseek-v3, qwen2 (or deepseek-r1-qwen) and
// llama-bpe: the same regexes as the DeepSeek-V3, Qwen2 and Llama-3 tokenizer.json files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/gguf_reader.h"
#include "io/gguf_value.h"
#include "io/json_file.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

// Whether the file carries a tokenizer (tokenizer.ggml.model).
bool gguf_has_vocab(const GgufFile& f);

struct GgufTokenizerJson {
  Json tokenizer;  // tokenizer.json
  Json config;     // tokenizer_config.json: class, add_bos/eos_token, bos/eos_token
};

// The equivalent tokenizer.json (and tokenizer_config.json) built from the metadata (token_type
// 3 = control -> special added token, 4 = user-defined -> added token, 5 = unused padding -> left
// out; add_bos_token and bos_token_id as LlamaTokenizerFast's BOS). FormatError naming the file and
// key for other tokenizer models or pre-tokenizers and for inconsistent arrays.
GgufTokenizerJson tokenizer_json_from_gguf(const GgufFile& f);
// The tokenizer of tokenizer_json_from_gguf.
Tokenizer tokenizer_from_gguf(const GgufFile& f);

// End-of-generation ids: tokenizer.ggml.eos_token_id and eot_token_id where present.
std::vector<int32_t> gguf_stop_ids(const GgufFile& f);

// Appends the tokenizer.* keys for a model directory's tokenizer.json (+ tokenizer_config.json):
// tokens in id order padded to `vocab_size` with "[PAD<id>]", token types, merges, the pre type
// recognised from the pre-tokenizer regexes, BOS/EOS/padding ids, add_bos_token/add_eos_token
// (from what the tokenizer actually adds), the chat template. ConfigError for a tokenizer GGUF
// cannot describe.
void add_gguf_vocab(const std::string& dir, int64_t vocab_size, GgufMetadata& md);

// Copies every tokenizer.* key of another GGUF (re-quantising keeps the vocabulary as it is).
void copy_gguf_vocab(const GgufFile& from, GgufMetadata& md);

}  // namespace r1
