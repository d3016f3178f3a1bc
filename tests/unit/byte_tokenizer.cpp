// The test byte-level tokenizer, built as a tokenizer.json would describe it.
#include "byte_tokenizer.h"

#include "io/json_file.h"
#include "tokenizer/byte_level.h"

namespace r1::test {

Tokenizer byte_tokenizer(const std::vector<std::pair<std::string, bool>>& added_tokens) {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[tok::byte_to_unicode((unsigned char)b)] = b;
  Json added = Json::array();
  int id = 256;
  for (const auto& [content, special] : added_tokens)
    added.push_back({{"id", id++},
                     {"content", content},
                     {"special", special},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"single_word", false},
                     {"normalized", false}});
  const Json j = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"}, {"vocab", vocab}, {"merges", Json::array()}, {"byte_fallback", false}}}};
  return Tokenizer::from_json(j, Json(), "bytes.json");
}

}  // namespace r1::test
