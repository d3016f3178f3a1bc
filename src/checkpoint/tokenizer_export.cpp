// Tokenizer files from a model directory (copied) or a GGUF vocabulary (built).
#include "checkpoint/tokenizer_export.h"

#include <optional>

#include "io/gguf_model_file.h"
#include "io/gguf_reader.h"
#include "io/json_file.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/tokenizer_files.h"

namespace r1 {

int write_tokenizer_files(const std::string& model_path, const std::string& to_dir) {
  if (!is_gguf_path(model_path)) return copy_tokenizer_files(model_path, to_dir);
  const GgufFile f = GgufFile::open(model_path);
  if (!gguf_has_vocab(f)) return 0;
  GgufTokenizerJson j = tokenizer_json_from_gguf(f);
  if (const std::optional<std::string> t = f.find_string("tokenizer.chat_template"))
    j.config["chat_template"] = *t;
  Json generation = {{"eos_token_id", gguf_stop_ids(f)}};
  if (const std::optional<int64_t> bos = f.find_int("tokenizer.ggml.bos_token_id"))
    generation["bos_token_id"] = *bos;
  write_text_file_atomic(to_dir + "/tokenizer.json", j.tokenizer.dump(2) + "\n");
  write_text_file_atomic(to_dir + "/tokenizer_config.json", j.config.dump(2) + "\n");
  write_text_file_atomic(to_dir + "/generation_config.json", generation.dump(2) + "\n");
  return 3;
}

}  // namespace r1
