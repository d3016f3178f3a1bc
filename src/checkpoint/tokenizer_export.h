// A model's tokenizer files written into another directory (a training checkpoint, an export):
// copied from a model directory, or built from a GGUF file's vocabulary.
#pragma once

#include <string>

namespace r1 {

// model_path a directory: its tokenizer files are copied (copy_tokenizer_files). A GGUF file
// with a vocabulary: tokenizer.json and tokenizer_config.json (BOS/EOS tokens, add_bos_token,
// the chat template) as tokenizer_json_from_gguf builds them, and generation_config.json with
// its BOS id and end-of-generation ids (eos and eot), so that the directory generates as the
// GGUF did. A GGUF without one writes nothing. Returns how many files were written; IoError
// naming the file on a failed write.
int write_tokenizer_files(const std::string& model_path, const std::string& to_dir);

}  // namespace r1
