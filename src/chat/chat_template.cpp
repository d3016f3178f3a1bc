// Loading a model directory's chat template (tokenizer_config.json or chat_template.jinja),
// the variables transformers renders it with, and family / forced-<think> detection.
#include "chat/chat_template.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "io/file_io.h"
#include "io/gguf_model_file.h"
#include "io/gguf_reader.h"
#include "io/json_file.h"
#include "tokenizer/gguf_vocab.h"

namespace fs = std::filesystem;

namespace r1 {

const char* chat_family_name(ChatFamily family) {
  switch (family) {
    case ChatFamily::DeepSeekR1:
      return "DeepSeek-R1";
    case ChatFamily::DeepSeekR1_0528:
      return "DeepSeek-R1-0528";
    case ChatFamily::R1DistillQwen:
      return "DeepSeek-R1-Distill-Qwen";
    case ChatFamily::R1DistillLlama:
      return "DeepSeek-R1-Distill-Llama";
    case ChatFamily::R1Distill:
      return "DeepSeek-R1-Distill";
    case ChatFamily::DeepSeekV3:
      return "DeepSeek-V3";
    case ChatFamily::DeepSeekV3_1:
      return "DeepSeek-V3.1";
    case ChatFamily::Qwen:
      return "Qwen";
    case ChatFamily::Llama3:
      return "Llama-3";
    case ChatFamily::Other:
      break;
  }
  return "other";
}

OrderedJson parse_ordered_json(const std::string& source, const std::string& text) {
  auto limit_depth = [&source](int depth, OrderedJson::parse_event_t, OrderedJson&) {
    if (depth > kMaxJsonDepth)
      throw FormatError(source + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                        " levels");
    return true;
  };
  try {
    return OrderedJson::parse(text, limit_depth);
  } catch (const OrderedJson::exception& e) {
    std::string what = e.what();  // "[json.exception.parse_error.101] parse error at ..."
    if (const size_t close = what.find("] ");
        what.rfind("[json.", 0) == 0 && close != std::string::npos)
      what = what.substr(close + 2);
    throw FormatError(source + ": invalid JSON: " + what);
  }
}

namespace {

ChatFamily detect_family(const std::string& tmpl, const std::string& model_type) {
  auto has = [&](const char* s) { return tmpl.find(s) != std::string::npos; };
  if (has("<｜User｜>") || has("<｜Assistant｜>")) {
    if (has("<｜tool▁sep｜>") && !has("```json")) return ChatFamily::DeepSeekV3_1;
    if (!has("</think>")) return ChatFamily::DeepSeekV3;
    if (has("is_last_user")) return ChatFamily::DeepSeekR1_0528;
    if (has("is_first_sp")) return ChatFamily::DeepSeekR1;
    if (model_type == "qwen2") return ChatFamily::R1DistillQwen;
    if (model_type == "llama") return ChatFamily::R1DistillLlama;
    return ChatFamily::R1Distill;
  }
  if (has("<|im_start|>")) return ChatFamily::Qwen;
  if (has("<|start_header_id|>")) return ChatFamily::Llama3;
  return ChatFamily::Other;
}

// A special token as tokenizer_config.json writes it: a string or {"content": "..."}.
std::optional<std::string> token_text(const OrderedJson& v, const std::string& where) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string())
    return v["content"].get<std::string>();
  throw FormatError(where + " must be a string or an object with a string \"content\", got " +
                    std::string(v.type_name()));
}

jinja::Template parse_template(const OrderedJson& v, const std::string& where) {
  if (!v.is_string())
    throw FormatError(where + " must be a string, got " + std::string(v.type_name()));
  return jinja::Template::parse(v.get<std::string>(), where);
}

}  // namespace

ChatTemplate ChatTemplate::from_config(const OrderedJson& config, const std::string& source,
                                       const std::string& model_type,
                                       const jinja::RenderLimits& limits) {
  if (!config.is_object()) throw FormatError(source + ": expected a JSON object");
  ChatTemplate ct;
  ct.source_ = source;
  ct.limits_ = limits;
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                          "cls_token", "mask_token"}) {
    if (!config.contains(key)) continue;
    if (auto text = token_text(config[key], source + ": " + key))
      ct.special_tokens_.emplace_back(key, jinja::Value(*text));
  }
  if (config.contains("additional_special_tokens") &&
      !config["additional_special_tokens"].is_null()) {
    const OrderedJson& extra = config["additional_special_tokens"];
    if (!extra.is_array()) throw FormatError(source + ": additional_special_tokens must be a list");
    jinja::List tokens;
    for (const OrderedJson& t : extra)
      if (auto text = token_text(t, source + ": additional_special_tokens[]"))
        tokens.emplace_back(*text);
    if (!tokens.empty())
      ct.special_tokens_.emplace_back("additional_special_tokens",
                                      jinja::Value::list(std::move(tokens)));
  }
  for (const auto& [k, v] : ct.special_tokens_) {
    if (k == "bos_token") ct.bos_token_ = v.as_string();
    if (k == "eos_token") ct.eos_token_ = v.as_string();
  }

  const OrderedJson tmpl =
      config.contains("chat_template") ? config["chat_template"] : OrderedJson();
  std::string text;       // what family detection looks at
  if (tmpl.is_array()) {  // named templates: [{"name": "default", "template": "..."}, ...]
    for (size_t i = 0; i < tmpl.size(); ++i) {
      const std::string where = source + ": chat_template[" + std::to_string(i) + "]";
      if (!tmpl[i].is_object() || !tmpl[i].contains("name") || !tmpl[i]["name"].is_string() ||
          !tmpl[i].contains("template"))
        throw FormatError(where + " must be an object with \"name\" and \"template\"");
      const std::string name = tmpl[i]["name"].get<std::string>();
      if (name == "default") ct.default_ = parse_template(tmpl[i]["template"], where);
      if (name == "tool_use") ct.tool_use_ = parse_template(tmpl[i]["template"], where);
      if (name == "default" || (name == "tool_use" && text.empty()))
        text = tmpl[i]["template"].get<std::string>();
    }
  } else if (!tmpl.is_null()) {
    ct.default_ = parse_template(tmpl, source + ": chat_template");
    text = tmpl.get<std::string>();
  }
  ct.family_ = detect_family(text, model_type);
  if (ct.has_template()) {
    const OrderedJson probe = OrderedJson::array({{{"role", "user"}, {"content", "Hi"}}});
    std::string prompt;
    try {
      prompt = ct.render(probe, nullptr, true);
      ct.forces_think_ =
          prompt.size() >= 8 && prompt.compare(prompt.size() - 8, 8, "<think>\n") == 0;
    } catch (const Error&) {  // a template that rejects a plain user turn forces nothing
      ct.forces_think_ = false;
    }
    try {
      const OrderedJson tool = OrderedJson::parse(R"([{"type": "function", "function": {
          "name": "probe_tool", "description": "A probe.", "parameters": {"type": "object",
          "properties": {"q": {"type": "string"}}}}}])");
      ct.renders_tools_ = ct.render(probe, tool, true) != prompt;
    } catch (const Error&) {  // rejecting tools: describing them in a message is what works
      ct.renders_tools_ = false;
    }
  }
  return ct;
}

namespace {

// tokenizer_config.json's template fields from a GGUF file's tokenizer.* keys.
ChatTemplate load_from_gguf(const std::string& path) {
  const GgufFile f = GgufFile::open(path);
  OrderedJson config = OrderedJson::object();
  if (auto t = f.find_string("tokenizer.chat_template")) config["chat_template"] = *t;
  if (gguf_has_vocab(f)) {
    const std::vector<std::string>& tokens = f.get_strings("tokenizer.ggml.tokens");
    for (const char* name : {"bos", "eos"}) {
      const auto id = f.find_int(std::string("tokenizer.ggml.") + name + "_token_id");
      if (id && *id >= 0 && *id < int64_t(tokens.size()))
        config[std::string(name) + "_token"] = tokens[size_t(*id)];
    }
  }
  // The distilled models share one template; the architecture tells them apart.
  const std::string arch = f.find_string("general.architecture").value_or("");
  return ChatTemplate::from_config(config, path, arch == "deepseek2" ? "deepseek_v3" : arch);
}

}  // namespace

ChatTemplate ChatTemplate::load(const std::string& model_dir) {
  if (is_gguf_path(model_dir)) return load_from_gguf(model_dir);
  const bool is_file = fs::is_regular_file(model_dir);
  const fs::path dir = is_file ? fs::path(model_dir).parent_path() : fs::path(model_dir);
  const std::string config_path = is_file ? model_dir : (dir / "tokenizer_config.json").string();
  OrderedJson config = parse_ordered_json(config_path, read_file(config_path));
  if (!config.is_object()) throw FormatError(config_path + ": expected a JSON object");
  const fs::path jinja_path = dir / "chat_template.jinja";  // newer transformers save it apart
  if ((!config.contains("chat_template") || config["chat_template"].is_null()) &&
      fs::is_regular_file(jinja_path))
    config["chat_template"] = read_file(jinja_path.string());
  std::string model_type;
  if (fs::is_regular_file(dir / "config.json")) {
    const Json model_config = read_json_file((dir / "config.json").string());
    if (model_config.is_object() && model_config.contains("model_type") &&
        model_config["model_type"].is_string())
      model_type = model_config["model_type"].get<std::string>();
  }
  return from_config(config, config_path, model_type);
}

std::string ChatTemplate::render(const OrderedJson& messages, const OrderedJson& tools,
                                 bool add_generation_prompt, const OrderedJson& kwargs) const {
  return render_prompt(messages, tools, add_generation_prompt, kwargs).text;
}

PromptText ChatTemplate::render_prompt(const OrderedJson& messages, const OrderedJson& tools,
                                       bool add_generation_prompt,
                                       const OrderedJson& kwargs) const {
  if (!has_template())
    throw FormatError(source_ +
                      ": the model has no chat template (no \"chat_template\" field"
                      " and no chat_template.jinja)");
  if (!messages.is_array()) throw FormatError("chat: messages must be a list of message objects");
  for (size_t i = 0; i < messages.size(); ++i)
    if (!messages[i].is_object())
      throw FormatError("chat: messages[" + std::to_string(i) + "] must be an object, got " +
                        std::string(messages[i].type_name()));
  if (!tools.is_null() && !tools.is_array())
    throw FormatError("chat: tools must be a list or null");
  if (!kwargs.is_object()) throw FormatError("chat: template arguments must be an object");

  jinja::Dict vars = special_tokens_;
  for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
    const std::string& key = it.key();
    if (key == "messages" || key == "tools" || key == "documents" || key == "add_generation_prompt")
      throw FormatError("chat: template argument '" + key + "' is reserved");
    auto same = [&](const auto& kv) { return kv.first == key; };
    vars.erase(std::remove_if(vars.begin(), vars.end(), same), vars.end());
    try {
      vars.emplace_back(key, jinja::Value::from_json(it.value(), true));
    } catch (const jinja::JinjaError& e) {
      throw FormatError("chat: template argument '" + key + "': " + e.what());
    }
  }
  try {
    vars.emplace_back("messages", jinja::Value::from_json(messages, true));
    vars.emplace_back("tools", jinja::Value::from_json(tools, true));
  } catch (const jinja::JinjaError& e) {
    throw FormatError(std::string("chat: ") + e.what());
  }
  vars.emplace_back("documents", jinja::Value::none());
  vars.emplace_back("add_generation_prompt", jinja::Value(add_generation_prompt));
  const bool use_tools = !tools.is_null() && tool_use_.has_value();
  const std::optional<jinja::Template>& t = use_tools || !default_ ? tool_use_ : default_;
  return t->render_prompt(vars, limits_);
}

}  // namespace r1
