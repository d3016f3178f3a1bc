// The files that make up a model directory's tokenizer (tokenizer.json, its config, the chat
// template, generation and special-token settings) and copying them between directories.
#pragma once

#include <string>

namespace r1 {

// Copies each tokenizer file present in `from_dir` into `to_dir` (each written atomically);
// returns how many were copied. IoError naming the file on a failed read or write.
int copy_tokenizer_files(const std::string& from_dir, const std::string& to_dir);

}  // namespace r1
