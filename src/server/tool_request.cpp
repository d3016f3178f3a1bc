// Validation of `tools`, `tool_choice` and `parallel_tool_calls`.
#include "server/tool_request.h"

#include <algorithm>

#include "core/error.h"
#include "infer/tool_call_grammar.h"
#include "server/api_error.h"

namespace r1::server {

namespace {

// OpenAI's rule for function names: 1-64 of a-z, A-Z, 0-9, '_' and '-'.
bool valid_function_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string tool_name(const Json& tool, const std::string& param) {
  const std::string function_shape =
      "an object {\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}";
  if (!tool.is_object()) bad_field(param, function_shape, tool);
  const auto type = tool.find("type");
  if (type == tool.end() || *type != "function")
    bad_field(param + ".type", "\"function\"", type == tool.end() ? Json() : *type);
  const auto function = tool.find("function");
  if (function == tool.end() || !function->is_object())
    bad_field(param + ".function", "an object with a name",
              function == tool.end() ? Json() : *function);
  const auto name = function->find("name");
  if (name == function->end() || !name->is_string() ||
      !valid_function_name(name->get<std::string>()))
    bad_field(param + ".function.name", "1 to 64 of a-z, A-Z, 0-9, '_' and '-'",
              name == function->end() ? Json() : *name);
  const auto description = function->find("description");
  if (description != function->end() && !description->is_null() && !description->is_string())
    bad_field(param + ".function.description", "a string", *description);
  const auto parameters = function->find("parameters");
  if (parameters != function->end() && !parameters->is_null() && !parameters->is_object())
    bad_field(param + ".function.parameters", "a JSON Schema object", *parameters);
  return name->get<std::string>();
}

ToolChoice parse_choice(const Json& body, const std::vector<std::string>& names) {
  const auto it = body.find("tool_choice");
  if (it == body.end() || it->is_null())
    return {names.empty() ? ToolChoice::kNone : ToolChoice::kAuto, ""};
  const Json& v = *it;
  const std::string expected =
      "\"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}";
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "none") return {ToolChoice::kNone, ""};
    if (s == "auto") return {names.empty() ? ToolChoice::kNone : ToolChoice::kAuto, ""};
    if (s != "required") bad_field("tool_choice", expected, v);
    if (names.empty())
      throw invalid_request("'tool_choice' is \"required\" but the request has no 'tools'",
                            "tool_choice");
    return {ToolChoice::kRequired, ""};
  }
  if (!v.is_object() || v.value("type", Json()) != "function" || !v.contains("function") ||
      !v["function"].is_object() || !v["function"].value("name", Json()).is_string())
    bad_field("tool_choice", expected, v);
  const std::string name = v["function"]["name"].get<std::string>();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw invalid_request(
        "'tool_choice' names the function '" + name + "', which is not in 'tools'",
        "tool_choice.function.name");
  return {ToolChoice::kFunction, name};
}

}  // namespace

ToolRequest parse_tool_request(const Json& body, OrderedBody& ordered) {
  ToolRequest r;
  const auto tools = body.find("tools");
  if (tools != body.end() && !tools->is_null()) {
    if (!tools->is_array()) bad_field("tools", "an array of function tools", *tools);
    for (size_t i = 0; i < tools->size(); ++i) {
      const std::string name = tool_name((*tools)[i], "tools[" + std::to_string(i) + "]");
      if (std::find(r.names.begin(), r.names.end(), name) != r.names.end())
        throw invalid_request("'tools' names the function '" + name + "' twice",
                              "tools[" + std::to_string(i) + "].function.name");
      r.names.push_back(name);
    }
    if (!r.names.empty()) r.tools = ordered.at("tools");
  }
  r.choice = parse_choice(body, r.names);
  const auto parallel = body.find("parallel_tool_calls");
  if (parallel != body.end() && !parallel->is_null()) {
    if (!parallel->is_boolean()) bad_field("parallel_tool_calls", "a boolean", *parallel);
    r.parallel_calls = parallel->get<bool>();
  }
  return r;
}

std::optional<StructuredOutput> forced_tool_calls(const ToolRequest& request,
                                                  ToolCallFormat format,
                                                  const Tokenizer& tokenizer) {
  const ToolChoice::Kind kind = request.choice.kind;
  if (kind != ToolChoice::kRequired && kind != ToolChoice::kFunction) return std::nullopt;
  ToolCallChoice choice;
  choice.format = format;
  choice.parallel = kind == ToolChoice::kRequired && request.parallel_calls;
  for (size_t i = 0; i < request.names.size(); ++i) {
    if (kind == ToolChoice::kFunction && request.names[i] != request.choice.function) continue;
    const OrderedJson& function = request.tools[i].at("function");
    const auto parameters = function.find("parameters");
    choice.functions.push_back(
        {request.names[i], parameters == function.end() ? OrderedJson() : *parameters});
  }
  try {
    return tool_call_output(choice, tokenizer);
  } catch (const ToolSchemaError& e) {
    size_t i = 0;
    while (i + 1 < request.names.size() && request.names[i] != e.function()) ++i;
    throw invalid_request(
        std::string("'tool_choice' ") +
            (kind == ToolChoice::kRequired ? "\"required\"" : "names a function") +
            " needs each call's arguments to follow the tool's parameters: " + e.what(),
        "tools[" + std::to_string(i) + "].function.parameters", "unsupported_schema");
  }
}

}  // namespace r1::server
