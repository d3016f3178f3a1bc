// GGUF tokenizer metadata from and to tokenizer.json documents. The pre-tokenizer, normalizer
// and decoder of each pre type are those of the real tokenizer.json files (tokenizer families
// in bpe_trainer_presets), whose regexes llama.cpp hard-codes for the same pre types.
#include "tokenizer/gguf_vocab.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "io/file_io.h"
#include "io/json_file.h"
#include "tokenizer/bpe_trainer_presets.h"

namespace r1 {

namespace {

// llama.cpp's token types (llama_token_type).
constexpr int32_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5;

// A llama.cpp pre type and the r1 tokenizer family with the same regexes.
struct PreType {
  const char* gguf;
  const char* family;
};
// The first name of each family is the one written.
constexpr PreType kPreTypes[] = {
    {"deepseek-v3", "deepseek-v3"}, {"qwen2", "qwen2"},   {"deepseek-r1-qwen", "qwen2"},
    {"llama-bpe", "llama3"},        {"llama3", "llama3"}, {"llama-v3", "llama3"},
};

const tok::TokenizerFamily& family_of_pre(const GgufFile& f, const std::string& pre) {
  for (const PreType& p : kPreTypes)
    if (pre == p.gguf) return tok::tokenizer_family(p.family);
  throw FormatError(f.path() + ": tokenizer.ggml.pre '" + pre +
                    "' is not supported (r1 reads deepseek-v3, qwen2, deepseek-r1-qwen and "
                    "llama-bpe)");
}

std::string token_content(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string())
    return v["content"].get<std::string>();
  return "";
}

std::optional<int32_t> find_id(const GgufFile& f, const char* key, size_t n_tokens) {
  const std::optional<int64_t> id = f.find_int(key);
  if (!id) return std::nullopt;
  if (*id < 0 || *id >= int64_t(n_tokens))
    throw FormatError(f.path() + ": metadata key '" + key + "' value " + std::to_string(*id) +
                      " is not a token id (the vocabulary has " + std::to_string(n_tokens) +
                      " tokens)");
  return int32_t(*id);
}

}  // namespace

bool gguf_has_vocab(const GgufFile& f) {
  return f.metadata().has("tokenizer.ggml.model");
}

GgufTokenizerJson tokenizer_json_from_gguf(const GgufFile& f) {
  const std::string model = f.get_string("tokenizer.ggml.model");
  if (model != "gpt2")
    throw FormatError(f.path() + ": tokenizer.ggml.model '" + model +
                      "' is not supported (r1 reads byte-level BPE, 'gpt2')");
  const std::string pre = f.find_string("tokenizer.ggml.pre").value_or("default");
  const tok::TokenizerFamily& family = family_of_pre(f, pre);
  const std::vector<std::string>& tokens = f.get_strings("tokenizer.ggml.tokens");
  std::vector<int64_t> types(tokens.size(), kNormal);
  if (f.metadata().has("tokenizer.ggml.token_type"))
    types = f.get_ints("tokenizer.ggml.token_type");
  if (types.size() != tokens.size())
    throw FormatError(f.path() + ": tokenizer.ggml.token_type has " + std::to_string(types.size()) +
                      " entries for " + std::to_string(tokens.size()) + " tokens");
  Json vocab = Json::object(), added = Json::array();
  for (size_t id = 0; id < tokens.size(); ++id) {
    if (types[id] == kUnused) continue;
    if (types[id] == kControl || types[id] == kUserDefined) {
      added.push_back({{"id", id},
                       {"content", tokens[id]},
                       {"single_word", false},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"normalized", false},
                       {"special", types[id] == kControl}});
      continue;
    }
    vocab[tokens[id]] = id;
  }
  const bool llama3 = std::string(family.name) == "llama3";
  Json doc = {{"version", "1.0"},
              {"added_tokens", std::move(added)},
              {"normalizer", Json::parse(family.normalizer)},
              {"pre_tokenizer", Json::parse(family.pre_tokenizer)},
              {"post_processor", nullptr},
              {"decoder", Json::parse(family.decoder)},
              {"model",
               {{"type", "BPE"},
                {"ignore_merges", llama3},  // llama.cpp sets it for the llama-bpe pre type
                {"vocab", std::move(vocab)},
                {"merges", f.get_strings("tokenizer.ggml.merges")}}}};
  // llama.cpp's defaults when add_bos_token is absent: true for llama-bpe, false otherwise.
  const bool add_bos = f.find_bool("tokenizer.ggml.add_bos_token").value_or(llama3);
  const bool add_eos = f.find_bool("tokenizer.ggml.add_eos_token").value_or(false);
  const std::optional<int32_t> bos = find_id(f, "tokenizer.ggml.bos_token_id", tokens.size());
  const std::optional<int32_t> eos = find_id(f, "tokenizer.ggml.eos_token_id", tokens.size());
  if ((add_bos && !bos) || (add_eos && !eos))
    throw FormatError(f.path() + ": add_" + (add_bos && !bos ? "bos" : "eos") +
                      "_token is true but the token id is missing");
  Json config = {{"tokenizer_class", "LlamaTokenizerFast"},
                 {"add_bos_token", add_bos},
                 {"add_eos_token", add_eos}};
  if (bos) config["bos_token"] = tokens[size_t(*bos)];
  if (eos) config["eos_token"] = tokens[size_t(*eos)];
  return {std::move(doc), std::move(config)};
}

Tokenizer tokenizer_from_gguf(const GgufFile& f) {
  const GgufTokenizerJson j = tokenizer_json_from_gguf(f);
  return Tokenizer::from_json(j.tokenizer, j.config, f.path());
}

std::vector<int32_t> gguf_stop_ids(const GgufFile& f) {
  const size_t n = f.get_strings("tokenizer.ggml.tokens").size();
  std::vector<int32_t> ids;
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"})
    if (std::optional<int32_t> id = find_id(f, key, n)) ids.push_back(*id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

namespace {

// The regexes of the Split pre-tokenizers, in order: what decides a pre type.
std::vector<std::string> split_regexes(const Json& pre) {
  std::vector<std::string> out;
  if (!pre.is_object()) return out;
  if (pre.value("type", "") == "Sequence" && pre.contains("pretokenizers") &&
      pre["pretokenizers"].is_array()) {
    for (const Json& p : pre["pretokenizers"])
      for (std::string& r : split_regexes(p)) out.push_back(std::move(r));
  } else if (pre.value("type", "") == "Split" && pre.contains("pattern") &&
             pre["pattern"].is_object() && pre["pattern"].contains("Regex") &&
             pre["pattern"]["Regex"].is_string()) {
    out.push_back(pre["pattern"]["Regex"].get<std::string>());
  }
  return out;
}

// An empty Sequence normalizer does nothing, as no normalizer does.
Json effective_normalizer(const Json& n) {
  if (n.is_object() && n.value("type", "") == "Sequence" && n.contains("normalizers") &&
      n["normalizers"].is_array() && n["normalizers"].empty())
    return nullptr;
  return n;
}

// The GGUF pre type whose regexes and normalizer the tokenizer.json has.
std::string detect_pre(const Json& tj, const std::string& source) {
  const std::vector<std::string> regexes = split_regexes(tj.value("pre_tokenizer", Json()));
  const Json norm = effective_normalizer(tj.value("normalizer", Json()));
  for (const PreType& p : kPreTypes) {
    const tok::TokenizerFamily& fam = tok::tokenizer_family(p.family);
    if (split_regexes(Json::parse(fam.pre_tokenizer)) == regexes &&
        effective_normalizer(Json::parse(fam.normalizer)) == norm)
      return p.gguf;
  }
  throw ConfigError(source +
                    ": the pre-tokenizer and normalizer are not those of a pre type llama.cpp "
                    "knows (deepseek-v3, qwen2, llama-bpe), so GGUF cannot describe them");
}

// Tokens and llama.cpp types in id order, padded to vocab_size.
void collect_tokens(const Json& tj, const std::string& source, int64_t vocab_size,
                    std::vector<std::string>& tokens, std::vector<int32_t>& types) {
  tokens.assign(size_t(vocab_size), "");
  types.assign(size_t(vocab_size), 0);
  auto put = [&](int64_t id, const std::string& text, int32_t type) {
    if (id < 0 || id >= vocab_size)
      throw ConfigError(source + ": token id " + std::to_string(id) +
                        " does not fit the model's vocab_size " + std::to_string(vocab_size));
    tokens[size_t(id)] = text;
    types[size_t(id)] = type;
  };
  const Json& vocab = tj["model"]["vocab"];
  for (auto it = vocab.begin(); it != vocab.end(); ++it)
    put(it.value().get<int64_t>(), it.key(), kNormal);
  for (const Json& a : tj.value("added_tokens", Json::array()))
    put(a.value("id", int64_t(-1)), a.value("content", ""),
        a.value("special", false) ? kControl : kUserDefined);
  for (int64_t id = 0; id < vocab_size; ++id)
    if (types[size_t(id)] == 0) {
      tokens[size_t(id)] = "[PAD" + std::to_string(id) + "]";
      types[size_t(id)] = kUnused;
    }
}

std::vector<std::string> merge_strings(const Json& merges) {
  std::vector<std::string> out;
  out.reserve(merges.size());
  for (const Json& m : merges)
    out.push_back(m.is_string() ? m.get<std::string>()
                                : m[0].get<std::string>() + " " + m[1].get<std::string>());
  return out;
}

// What encode(add_special_tokens = true) adds around the text: BOS first, EOS last, or nothing.
void special_ids(const Tokenizer& tok, const std::string& source, GgufMetadata& md) {
  const std::vector<int32_t> plain = tok.encode("a", false), full = tok.encode("a", true);
  const auto at = std::search(full.begin(), full.end(), plain.begin(), plain.end());
  const size_t before = size_t(at - full.begin()), after = full.size() - before - plain.size();
  if (at == full.end() || before > 1 || after > 1)
    throw ConfigError(source +
                      ": the post-processor adds tokens other than one BOS and one EOS, "
                      "which GGUF cannot describe");
  md.set("tokenizer.ggml.add_bos_token", GgufValue(before == 1));
  md.set("tokenizer.ggml.add_eos_token", GgufValue(after == 1));
  if (before == 1) md.set("tokenizer.ggml.bos_token_id", GgufValue(uint32_t(full.front())));
  if (after == 1) md.set("tokenizer.ggml.eos_token_id", GgufValue(uint32_t(full.back())));
}

}  // namespace

void add_gguf_vocab(const std::string& dir, int64_t vocab_size, GgufMetadata& md) {
  namespace fs = std::filesystem;
  const std::string tj_path = (fs::path(dir) / "tokenizer.json").string();
  const std::string cj_path = (fs::path(dir) / "tokenizer_config.json").string();
  const Json tj = read_json_file(tj_path);
  const Json cj = fs::exists(cj_path) ? read_json_file(cj_path) : Json::object();
  const Tokenizer tok = Tokenizer::load(dir);  // validates the document first
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  collect_tokens(tj, tj_path, vocab_size, tokens, types);
  md.set("tokenizer.ggml.model", GgufValue("gpt2"));
  md.set("tokenizer.ggml.pre", GgufValue(detect_pre(tj, tj_path)));
  md.set("tokenizer.ggml.tokens", GgufValue::array(std::move(tokens)));
  md.set("tokenizer.ggml.token_type", GgufValue::array(types));
  md.set("tokenizer.ggml.merges", GgufValue::array(merge_strings(tj["model"]["merges"])));
  for (const auto& [key, name] :
       {std::pair{"bos_token", "bos_token_id"}, std::pair{"eos_token", "eos_token_id"},
        std::pair{"pad_token", "padding_token_id"}}) {
    const int32_t id = cj.contains(key) ? tok.token_to_id(token_content(cj[key])) : -1;
    if (id >= 0) md.set(std::string("tokenizer.ggml.") + name, GgufValue(uint32_t(id)));
  }
  special_ids(tok, tj_path, md);
  const fs::path jinja = fs::path(dir) / "chat_template.jinja";
  if (cj.contains("chat_template") && cj["chat_template"].is_string())
    md.set("tokenizer.chat_template", GgufValue(cj["chat_template"].get<std::string>()));
  else if (fs::exists(jinja))
    md.set("tokenizer.chat_template", GgufValue(read_file(jinja.string())));
}

void copy_gguf_vocab(const GgufFile& from, GgufMetadata& md) {
  for (const auto& [key, value] : from.metadata().entries())
    if (key.compare(0, 10, "tokenizer.") == 0) md.set(key, value);
}

}  // namespace r1
