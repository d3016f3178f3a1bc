// Special ids from config.json, generation_config.json, tokenizer_config.json or GGUF metadata.
#include "checkpoint/special_ids.h"

#include <algorithm>
#include <filesystem>

#include "io/gguf_model_file.h"
#include "io/gguf_reader.h"
#include "io/json_file.h"
#include "tokenizer/gguf_vocab.h"

namespace r1 {

namespace fs = std::filesystem;

namespace {

void add_ids(const Json& v, std::vector<int64_t>& ids) {
  if (v.is_number_integer()) ids.push_back(v.get<int64_t>());
  if (v.is_array())
    for (const Json& x : v)
      if (x.is_number_integer()) ids.push_back(x.get<int64_t>());
}

std::string token_text(const Json& e) {
  if (e.is_string()) return e.get<std::string>();
  if (e.is_object() && e.contains("content") && e["content"].is_string())
    return e["content"].get<std::string>();
  return "";
}

}  // namespace

std::vector<DeclaredId> declared_special_ids(const std::string& path) {
  std::vector<DeclaredId> out;
  if (is_gguf_path(path)) {
    const GgufFile f = GgufFile::open(path);
    for (const char* name : {"bos", "eos", "eot"}) {
      const std::string key = std::string("tokenizer.ggml.") + name + "_token_id";
      if (const std::optional<int64_t> id = f.find_int(key)) out.push_back({path, key, *id});
    }
    return out;
  }
  for (const char* name : {"config.json", "generation_config.json"}) {
    const fs::path file = fs::path(path) / name;
    if (!fs::exists(file)) continue;
    const Json j = read_json_file(file.string());
    if (!j.is_object()) continue;
    for (const char* key : {"bos_token_id", "eos_token_id"}) {
      if (!j.contains(key)) continue;
      std::vector<int64_t> ids;
      add_ids(j[key], ids);
      for (int64_t id : ids) out.push_back({file.string(), key, id});
    }
  }
  return out;
}

std::vector<int32_t> model_stop_ids(const std::string& path, const Tokenizer* tokenizer) {
  if (is_gguf_path(path)) {
    const GgufFile f = GgufFile::open(path);
    return gguf_has_vocab(f) ? gguf_stop_ids(f) : std::vector<int32_t>{};
  }
  std::vector<int32_t> ids;
  for (const char* name : {"generation_config.json", "config.json"}) {
    const fs::path file = fs::path(path) / name;
    if (!fs::exists(file)) continue;
    const Json j = read_json_file(file.string());
    if (j.is_object() && j.contains("eos_token_id")) {
      std::vector<int64_t> found;
      add_ids(j["eos_token_id"], found);
      for (int64_t id : found) ids.push_back(int32_t(id));
      break;
    }
  }
  const fs::path tc = fs::path(path) / "tokenizer_config.json";
  if (tokenizer && fs::exists(tc)) {
    const Json j = read_json_file(tc.string());
    const std::string text =
        j.is_object() && j.contains("eos_token") ? token_text(j["eos_token"]) : "";
    const int32_t id = text.empty() ? -1 : tokenizer->token_to_id(text);
    if (id >= 0) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace r1
