// Tokenizer loading and the encode/decode pipelines (added tokens, normalizer, pre-tokenizer,
// BPE, post-processor; ByteLevel decoder).
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "io/gguf_model_file.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/parallel.h"
#include "tokenizer/utf8.h"

namespace r1 {

namespace {

bool parse_decoder(const Json& j, const std::string& source) {
  if (j.is_null()) return false;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw FormatError(source + ": decoder: expected an object with a \"type\"");
  const std::string type = j["type"].get<std::string>();
  if (type == "ByteLevel") return true;
  if (type == "Sequence" && j.contains("decoders") && j["decoders"].is_array()) {
    bool byte_level = false;
    for (const Json& d : j["decoders"]) byte_level = parse_decoder(d, source) || byte_level;
    return byte_level;
  }
  throw FormatError(source + ": decoder '" + type + "' is not supported");
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& dir_or_file) {
  namespace fs = std::filesystem;
  if (is_gguf_path(dir_or_file)) return tokenizer_from_gguf(GgufFile::open(dir_or_file));
  std::string path = dir_or_file, config_path;
  if (fs::is_directory(dir_or_file)) {
    path = (fs::path(dir_or_file) / "tokenizer.json").string();
    config_path = (fs::path(dir_or_file) / "tokenizer_config.json").string();
  } else {
    config_path = (fs::path(dir_or_file).parent_path() / "tokenizer_config.json").string();
  }
  if (!fs::exists(path)) throw IoError(path + ": no such file (expected a tokenizer.json)");
  const Json tj = read_json_file(path);
  const Json cj = fs::exists(config_path) ? read_json_file(config_path) : Json();
  return from_json(tj, cj, path);
}

Tokenizer Tokenizer::from_json(const Json& j, const Json& config, const std::string& source) {
  if (!j.is_object()) throw FormatError(source + ": expected a JSON object");
  if (!j.contains("model")) throw FormatError(source + ": missing \"model\"");
  Tokenizer t;
  t.source_ = source;
  auto field = [&](const char* k) { return j.contains(k) ? j[k] : Json(); };
  t.normalizer_ = tok::Normalizer::parse(field("normalizer"), source);
  t.pre_ = tok::parse_pre_tokenizer(field("pre_tokenizer"), source);
  if (t.pre_) t.range_mode_ = t.pre_->range_mode();
  t.model_ = std::make_shared<tok::BpeModel>(tok::BpeModel::parse(j["model"], source));
  t.added_ = tok::parse_added_tokens(field("added_tokens"), source);
  t.check_added_ids_match_vocab();
  t.post_ = tok::PostProcessor::parse(field("post_processor"), source);
  t.byte_level_decoder_ = parse_decoder(field("decoder"), source);
  if (config.is_object()) t.apply_llama_fast_bos_eos(config);
  t.init_token_bounds();
  return t;
}

// An added token may repeat a vocabulary entry (DeepSeek-V3 lists three that way) but must not
// take the id of a different string: decode and encode would then disagree about that id.
void Tokenizer::check_added_ids_match_vocab() const {
  for (const tok::AddedToken& a : added_.tokens()) {
    const std::string* in_vocab = model_->id_to_token(a.id);
    if (in_vocab && *in_vocab != a.content)
      throw FormatError(source_ + ": added token " + quote_untrusted(a.content) + " has id " +
                        std::to_string(a.id) + ", which the vocab gives to " +
                        quote_untrusted(*in_vocab) + "; expected an unused id or the same string");
  }
}

// transformers' LlamaTokenizerFast (the class the DeepSeek-V3/R1 configs name) replaces the
// post-processor with BOS/EOS from add_bos_token (default true) and add_eos_token (default
// false); tokenizer.json alone has no BOS for DeepSeek.
void Tokenizer::apply_llama_fast_bos_eos(const Json& config) {
  const auto cls = config.find("tokenizer_class");
  if (cls == config.end() || !cls->is_string() || cls->get<std::string>() != "LlamaTokenizerFast")
    return;
  auto flag = [&](const char* key, bool fallback) {
    const auto it = config.find(key);
    return it != config.end() && it->is_boolean() ? it->get<bool>() : fallback;
  };
  auto special_id = [&](const char* key) {
    const auto it = config.find(key);
    std::string content;
    if (it != config.end() && it->is_string()) content = it->get<std::string>();
    if (it != config.end() && it->is_object() && it->contains("content") &&
        (*it)["content"].is_string())
      content = (*it)["content"].get<std::string>();
    const int32_t id = content.empty() ? -1 : token_to_id(content);
    if (id < 0)
      throw FormatError(source_ + ": tokenizer_config.json: " + key + " '" + content +
                        "' is not a token of the vocabulary");
    return id;
  };
  std::vector<int32_t> before, after;
  if (flag("add_bos_token", true)) before.push_back(special_id("bos_token"));
  if (flag("add_eos_token", false)) after.push_back(special_id("eos_token"));
  post_ = tok::PostProcessor::wrap(std::move(before), std::move(after));
}

std::vector<std::vector<int32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          bool add_special_tokens,
                                                          int threads) const {
  std::vector<std::vector<int32_t>> out(texts.size());
  tok::for_each_parallel(texts.size(), threads,
                         [&](size_t i) { out[i] = encode(texts[i], add_special_tokens); });
  return out;
}

std::string Tokenizer::token_bytes(int32_t id) const {
  if (const tok::AddedToken* a = added_.by_id(id)) {
    std::string out;
    if (byte_level_decoder_ && tok::from_byte_level(a->content, out)) return out;
    return a->content;
  }
  const std::string* t = model_->id_to_token(id);
  if (!t) throw Error("token id " + std::to_string(id) + " is not in the vocabulary of " + source_);
  std::string out;
  if (byte_level_decoder_ && tok::from_byte_level(*t, out)) return out;
  return *t;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::string bytes;
  bool first = true;
  for (int32_t id : ids) {
    if (skip_special_tokens && is_special(id)) continue;
    if (!byte_level_decoder_ && !first) bytes += ' ';  // no decoder: tokens joined by spaces
    bytes += token_bytes(id);
    first = false;
  }
  // No clean_up_tokenization_spaces: it is a lossy Python-side rewrite (" ." -> ".") that
  // would break decode(encode(s)) == s; the Rust tokenizers library does not apply it either.
  return tok::sanitize_utf8(bytes);
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  const int32_t a = added_.id_of(token);
  return a >= 0 ? a : model_->token_to_id(token);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  if (const tok::AddedToken* a = added_.by_id(id)) return a->content;
  const std::string* t = model_->id_to_token(id);
  return t ? *t : std::string();
}

int64_t Tokenizer::vocab_size() const {
  return std::max<int64_t>(model_->size(), int64_t(added_.max_id()) + 1);
}

bool Tokenizer::is_special(int32_t id) const {
  const tok::AddedToken* a = added_.by_id(id);
  return a && a->special;
}

std::string StreamingDecoder::push(int32_t id) {
  if (skip_special_ && tok_->is_special(id)) return "";
  pending_ += tok_->token_bytes(id);
  // Hold back a trailing sequence that is a proper prefix of a well-formed character.
  size_t keep = pending_.size();
  for (size_t back = 1; back <= 3 && back <= pending_.size(); ++back) {
    const size_t k = pending_.size() - back;
    const unsigned char c = static_cast<unsigned char>(pending_[k]);
    if ((c & 0xC0) == 0x80) continue;
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 1;
    if (c < 0xF5 && need > back) {
      std::string padded = pending_.substr(k);
      // Complete it with the smallest continuation bytes that fit; if that is well-formed, the
      // tail is a valid prefix.
      const unsigned char second = (c == 0xE0) ? 0xA0 : (c == 0xF0) ? 0x90 : 0x80;
      while (padded.size() < need) padded += char(padded.size() == 1 ? second : 0x80);
      if (tok::utf8_valid_len(padded, 0) == need) keep = k;
    }
    break;
  }
  std::string out = tok::sanitize_utf8(std::string_view(pending_).substr(0, keep));
  pending_.erase(0, keep);
  return out;
}

std::string StreamingDecoder::flush() {
  std::string out = tok::sanitize_utf8(pending_);
  pending_.clear();
  return out;
}

}  // namespace r1
