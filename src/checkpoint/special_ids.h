// The special token ids a model names in its files: the end-of-sequence ids generation stops
// on, and every BOS/EOS id with the file and key that name it (for the vocabulary checks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace r1 {

struct DeclaredId {
  std::string file;  // config.json, generation_config.json or the .gguf
  std::string key;   // "eos_token_id", "tokenizer.ggml.bos_token_id", ...
  int64_t id = 0;
};

// bos_token_id and eos_token_id (a number or a list) of config.json and generation_config.json;
// for a GGUF file tokenizer.ggml.{bos,eos,eot}_token_id.
std::vector<DeclaredId> declared_special_ids(const std::string& path);

// The end-of-sequence ids of a model directory: generation_config.json's eos_token_id (a
// number or a list), else config.json's, plus tokenizer_config.json's eos_token (with a
// tokenizer). A GGUF file: tokenizer.ggml.eos_token_id and eot_token_id where it has a vocab.
std::vector<int32_t> model_stop_ids(const std::string& path, const Tokenizer* tokenizer);

}  // namespace r1
