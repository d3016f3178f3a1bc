// libFuzzer target for Tokenizer::encode(PromptText) and encode_at_most(): random text and data
// ranges on small in-memory byte-level tokenizers (one plain, one with NFC and a normalized added
// token). Invariants: no added token is matched on data bytes; no ranges is encode(text); all
// data is the tokenizer without added tokens; decode gives the text back; the bound is exact.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace {

using r1::Json;
using r1::Tokenizer;

void check(bool ok) {
  if (!ok) std::abort();
}

// Bytes map to ids 0..255; a few merges; added tokens that share prefixes with each other and
// with merged text.
Json tokenizer_json(bool nfc, bool with_added) {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[r1::tok::byte_to_unicode((unsigned char)b)] = b;
  const char* merged[][2] = {{"<", "|"}, {"|", ">"}, {"t", "h"}, {"th", "i"}, {"Ġ", "t"},
                             {"<|", "s"}, {"e", "Ì"}, {"a", "b"}, {"ab", "ab"}};
  Json merges = Json::array();
  int id = 256;
  for (auto& m : merged) {
    vocab[std::string(m[0]) + m[1]] = id++;
    merges.push_back(std::string(m[0]) + " " + m[1]);
  }
  Json added = Json::array();
  auto add = [&](const char* content, bool special, bool normalized) {
    added.push_back({{"id", id++},
                     {"content", content},
                     {"special", special},
                     {"normalized", normalized},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"single_word", false}});
  };
  if (with_added) {
    add("<|s|>", true, false);
    add("<|s|><|e|>", true, false);
    add("<think>", false, false);
    add("ab", false, true);
    add("\xe1\xb8\x97|", false, true);  // "ḗ|": NFC composes e + U+0304 + U+0301 into it
  }
  return {{"normalizer", nfc ? Json{{"type", "NFC"}} : Json()},
          {"pre_tokenizer",
           {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
          {"added_tokens", added},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
}

struct Tokenizers {
  Tokenizer plain = Tokenizer::from_json(tokenizer_json(false, true), Json(), "plain");
  Tokenizer nfc = Tokenizer::from_json(tokenizer_json(true, true), Json(), "nfc");
  Tokenizer plain_bare = Tokenizer::from_json(tokenizer_json(false, false), Json(), "plain_bare");
  Tokenizer nfc_bare = Tokenizer::from_json(tokenizer_json(true, false), Json(), "nfc_bare");
};

// Input: one byte n, then 2n bytes of range bounds (scaled into the text), then the text.
r1::PromptText prompt_of(const uint8_t* data, size_t size) {
  r1::PromptText p;
  if (size == 0) return p;
  const size_t n = std::min<size_t>(data[0] % 8, (size - 1) / 2);
  const std::string_view bounds(reinterpret_cast<const char*>(data) + 1, 2 * n);
  p.text.assign(reinterpret_cast<const char*>(data) + 1 + 2 * n, size - 1 - 2 * n);
  size_t at = 0;
  for (size_t i = 0; i < n && !p.text.empty(); ++i) {
    const size_t b = at + uint8_t(bounds[2 * i]) % (p.text.size() + 1);
    const size_t e = b + uint8_t(bounds[2 * i + 1]) % 16 + 1;
    if (b >= p.text.size()) break;
    p.data_ranges.emplace_back(b, std::min(e, p.text.size()));
    at = p.data_ranges.back().second + 1;
  }
  return p;
}

bool overlaps_data(const r1::PromptText& p, size_t b, size_t e) {
  for (const auto& [db, de] : p.data_ranges)
    if (db < e && b < de) return true;
  return false;
}

void check_prompt(const Tokenizer& tok, const Tokenizer& bare, const r1::PromptText& p,
                  bool exact_bytes) {
  const std::vector<int32_t> ids = tok.encode(p, false);
  // The bound: exactly the ids when they fit, refused when one fewer is allowed.
  check(tok.encode_at_most(p, false, ids.size()) == ids);
  if (!ids.empty()) check(!tok.encode_at_most(p, false, ids.size() - 1));
  if (p.data_ranges.empty()) check(ids == tok.encode(p.text, false));
  if (p.data_ranges.size() == 1 && p.data_ranges[0] == std::pair<size_t, size_t>(0, p.text.size()))
    check(ids == bare.encode(p.text, false));
  if (!exact_bytes || !r1::tok::is_valid_utf8(p.text)) return;
  // Without a normalizer the ids spell the text byte for byte: every added token's bytes must lie
  // outside the data.
  check(tok.decode(ids) == p.text);
  size_t at = 0;
  for (int32_t id : ids) {
    const size_t len = tok.token_bytes(id).size();
    if (id >= 256 + 9) check(!overlaps_data(p, at, at + len));
    at += len;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tokenizers t;
  if (size > 4096) return 0;
  const r1::PromptText p = prompt_of(data, size);
  check_prompt(t.plain, t.plain_bare, p, true);
  check_prompt(t.nfc, t.nfc_bare, p, false);
  return 0;
}
