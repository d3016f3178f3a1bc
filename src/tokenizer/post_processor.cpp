// Parsing of post-processors into single-sequence templates.
#include "tokenizer/post_processor.h"

#include "core/error.h"

namespace r1::tok {

namespace {

std::vector<int32_t> special_ids(const Json& specials, const std::string& name,
                                 const std::string& where) {
  if (!specials.is_object() || !specials.contains(name) || !specials[name].is_object() ||
      !specials[name].contains("ids") || !specials[name]["ids"].is_array())
    throw FormatError(where + ": special token '" + name + "' is not in special_tokens");
  std::vector<int32_t> ids;
  for (const Json& v : specials[name]["ids"]) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= (int64_t(1) << 24))
      throw FormatError(where + ": special token '" + name + "' has a bad id");
    ids.push_back(int32_t(v.get<int64_t>()));
  }
  return ids;
}

int32_t pair_id(const Json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_array() || j[key].size() != 2 ||
      !j[key][1].is_number_integer())
    throw FormatError(where + ": \"" + key + "\" must be [token, id]");
  return int32_t(j[key][1].get<int64_t>());
}

}  // namespace

PostProcessor PostProcessor::parse(const Json& j, const std::string& source) {
  PostProcessor p;
  if (j.is_null()) return p;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw FormatError(source + ": post_processor: expected an object with a \"type\"");
  const std::string type = j["type"].get<std::string>();
  const std::string where = source + ": post_processor " + type;
  if (type == "ByteLevel") return p;
  if (type == "Sequence") {
    if (!j.contains("processors") || !j["processors"].is_array())
      throw FormatError(where + ": missing \"processors\" array");
    for (const Json& sub : j["processors"]) {
      PostProcessor s = parse(sub, source);
      for (auto& t : s.templates_) p.templates_.push_back(std::move(t));
    }
    return p;
  }
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    p.templates_.push_back({Part{false, {pair_id(j, "cls", where)}}, Part{true, {}},
                            Part{false, {pair_id(j, "sep", where)}}});
    return p;
  }
  if (type == "TemplateProcessing") {
    if (!j.contains("single") || !j["single"].is_array())
      throw FormatError(where + ": missing \"single\" array");
    const Json specials = j.contains("special_tokens") ? j["special_tokens"] : Json::object();
    std::vector<Part> parts;
    for (const Json& item : j["single"]) {
      if (item.is_object() && item.contains("Sequence")) {
        parts.push_back({true, {}});
      } else if (item.is_object() && item.contains("SpecialToken") &&
                 item["SpecialToken"].is_object() && item["SpecialToken"].contains("id") &&
                 item["SpecialToken"]["id"].is_string()) {
        parts.push_back(
            {false, special_ids(specials, item["SpecialToken"]["id"].get<std::string>(), where)});
      } else {
        throw FormatError(where + ": template items must be Sequence or SpecialToken");
      }
    }
    p.templates_.push_back(std::move(parts));
    return p;
  }
  throw FormatError(source + ": post_processor '" + type + "' is not supported");
}

PostProcessor PostProcessor::wrap(std::vector<int32_t> before, std::vector<int32_t> after) {
  PostProcessor p;
  p.templates_.push_back(
      {Part{false, std::move(before)}, Part{true, {}}, Part{false, std::move(after)}});
  return p;
}

std::vector<int32_t> PostProcessor::apply(std::vector<int32_t> ids) const {
  for (const auto& parts : templates_) {
    std::vector<int32_t> out;
    out.reserve(ids.size() + 4);
    for (const Part& part : parts) {
      const auto& src = part.is_sequence ? ids : part.ids;
      out.insert(out.end(), src.begin(), src.end());
    }
    ids = std::move(out);
  }
  return ids;
}

}  // namespace r1::tok
