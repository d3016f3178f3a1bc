// Copying a model directory's tokenizer files.
#include "tokenizer/tokenizer_files.h"

#include <filesystem>

#include "io/file_io.h"

namespace r1 {

int copy_tokenizer_files(const std::string& from_dir, const std::string& to_dir) {
  static const char* const kTokenizerFiles[] = {"tokenizer.json", "tokenizer_config.json",
                                                "chat_template.jinja", "generation_config.json",
                                                "special_tokens_map.json"};
  int copied = 0;
  for (const char* name : kTokenizerFiles) {
    const std::string src = from_dir + "/" + name;
    if (!std::filesystem::exists(src)) continue;
    const std::string bytes = read_file(src);
    AtomicFileWriter w(to_dir + "/" + name);
    w.write(bytes.data(), bytes.size());
    w.commit();
    ++copied;
  }
  return copied;
}

}  // namespace r1
