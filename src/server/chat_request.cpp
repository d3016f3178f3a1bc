// Validation of OpenAI chat/completions request bodies: each field's type and range, with the
// field named in the error's param.
#include "server/chat_request.h"

#include <cstdio>
#include <limits>

#include "core/error.h"
#include "server/api_error.h"
#include "server/openai_fields.h"
#include "server/response_format.h"

namespace r1::server {

namespace {

// The field's value, or nullptr when it is absent or null.
const Json* field(const Json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string format_bound(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

std::string json_type_article(const Json& v) {
  return v.is_array() || v.is_object() ? "an " + std::string(v.type_name()) : json_preview(v);
}

Json parse_body(std::string_view body) {
  Json json;
  try {
    json = parse_json("request body", body.data(), body.data() + body.size());
  } catch (const FormatError& e) {
    throw invalid_request(e.what());
  }
  if (!json.is_object())
    throw invalid_request("request body must be a JSON object, got " + json_type_article(json));
  return json;
}

std::optional<bool> optional_bool(const Json& object, const char* name, const std::string& param) {
  const Json* v = field(object, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) bad_field(param, "a boolean", *v);
  return v->get<bool>();
}

std::optional<std::string> optional_string(const Json& object, const char* name,
                                           const std::string& param) {
  const Json* v = field(object, name);
  if (!v) return std::nullopt;
  if (!v->is_string()) bad_field(param, "a string", *v);
  return v->get<std::string>();
}

// A number in [lo, hi], or (lo, hi] when lo_open.
std::optional<double> optional_number(const Json& object, const char* name, double lo, double hi,
                                      bool lo_open = false) {
  const Json* v = field(object, name);
  if (!v) return std::nullopt;
  std::string range = lo_open ? "(" : "[";
  range += format_bound(lo) + ", " + format_bound(hi) + "]";
  if (!v->is_number()) bad_field(name, "a number in " + range, *v);
  const double x = v->get<double>();
  if (!(x >= lo && x <= hi) || (lo_open && x == lo)) bad_field(name, "a number in " + range, *v);
  return x;
}

std::optional<int64_t> optional_integer(const Json& object, const char* name, int64_t lo,
                                        int64_t hi, const std::string& expected) {
  const Json* v = field(object, name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) bad_field(name, expected, *v);
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    bad_field(name, expected, *v);
  const int64_t x = v->get<int64_t>();
  if (x < lo || x > hi) bad_field(name, expected, *v);
  return x;
}

std::vector<std::string> parse_stop(const Json& object) {
  const Json* v = field(object, "stop");
  if (!v) return {};
  const std::string expected = "a non-empty string or an array of at most " +
                               std::to_string(kMaxStopStrings) + " non-empty strings";
  if (v->is_string()) {
    if (v->get_ref<const std::string&>().empty()) bad_field("stop", expected, *v);
    return {v->get<std::string>()};
  }
  if (!v->is_array() || v->size() > kMaxStopStrings) bad_field("stop", expected, *v);
  std::vector<std::string> stop;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& s = (*v)[i];
    if (!s.is_string() || s.get_ref<const std::string&>().empty())
      bad_field("stop[" + std::to_string(i) + "]", "a non-empty string", s);
    stop.push_back(s.get<std::string>());
  }
  return stop;
}

SamplingRequest parse_sampling(const Json& body) {
  constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
  SamplingRequest s;
  s.temperature = optional_number(body, "temperature", 0, 2);
  s.top_p = optional_number(body, "top_p", 0, 1, true);
  s.max_tokens = optional_integer(body, "max_completion_tokens", 1, kMaxInt, "an integer >= 1");
  if (!s.max_tokens)
    s.max_tokens = optional_integer(body, "max_tokens", 1, kMaxInt, "an integer >= 1");
  s.stop = parse_stop(body);
  s.seed =
      optional_integer(body, "seed", std::numeric_limits<int64_t>::min(), kMaxInt, "an integer");
  s.n = static_cast<int>(optional_integer(body, "n", 1, kMaxChoices,
                                          "an integer in [1, " + std::to_string(kMaxChoices) + "]")
                             .value_or(1));
  s.presence_penalty = optional_number(body, "presence_penalty", -2, 2).value_or(0);
  s.frequency_penalty = optional_number(body, "frequency_penalty", -2, 2).value_or(0);
  s.top_k = optional_integer(body, "top_k", 0, kMaxInt, "an integer >= 0");
  s.min_p = optional_number(body, "min_p", 0, 1);
  s.repeat_penalty = optional_number(body, "repeat_penalty", 0, 10, true);
  return s;
}

void parse_stream_fields(const Json& body, bool& stream, bool& include_usage) {
  stream = optional_bool(body, "stream", "stream").value_or(false);
  const Json* options = field(body, "stream_options");
  if (!options) return;
  if (!options->is_object()) bad_field("stream_options", "an object", *options);
  include_usage =
      optional_bool(*options, "include_usage", "stream_options.include_usage").value_or(false);
}

// Content as a string, or an array of {"type": "text", "text": ...} parts joined by newlines.
std::string parse_content(const Json& content, const std::string& param) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) bad_field(param, "a string or an array of text parts", content);
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const std::string part_param = param + "[" + std::to_string(i) + "]";
    const Json& part = content[i];
    if (!part.is_object())
      bad_field(part_param, "an object {\"type\": \"text\", \"text\": ...}", part);
    const std::optional<std::string> type = optional_string(part, "type", part_param + ".type");
    if (!type) throw invalid_request("'" + part_param + ".type' is missing", part_param + ".type");
    if (*type != "text")
      bad_field(part_param + ".type", "\"text\" (other content parts are not supported)",
                part["type"]);
    const std::optional<std::string> part_text =
        optional_string(part, "text", part_param + ".text");
    if (!part_text)
      throw invalid_request("'" + part_param + ".text' is missing", part_param + ".text");
    if (i) text += "\n";
    text += *part_text;
  }
  return text;
}

ChatMessage parse_message(const Json& m, const std::string& param) {
  if (!m.is_object()) bad_field(param, "an object with 'role' and 'content'", m);
  ChatMessage message;
  const std::optional<std::string> role = optional_string(m, "role", param + ".role");
  if (!role) throw invalid_request("'" + param + ".role' is missing", param + ".role");
  if (*role != "system" && *role != "user" && *role != "assistant" && *role != "tool")
    bad_field(param + ".role", "one of \"system\", \"user\", \"assistant\", \"tool\"", m["role"]);
  message.role = *role;
  message.name = optional_string(m, "name", param + ".name").value_or("");
  message.tool_call_id = optional_string(m, "tool_call_id", param + ".tool_call_id").value_or("");
  if (const Json* calls = field(m, "tool_calls"); calls && message.role == "assistant") {
    if (!calls->is_array()) bad_field(param + ".tool_calls", "an array", *calls);
    message.tool_calls = *calls;
  }
  const Json* content = field(m, "content");
  if (content) {
    message.content = parse_content(*content, param + ".content");
  } else if (message.role != "assistant" || message.tool_calls.is_null()) {
    throw invalid_request("'" + param + ".content' is missing", param + ".content");
  }
  return message;
}

}  // namespace

ChatRequest parse_chat_request(std::string_view text) {
  const Json body = parse_body(text);
  refuse_unsupported_fields(body, ApiEndpoint::kChat);
  ChatRequest r;
  r.model = optional_string(body, "model", "model").value_or("");
  const Json* messages = field(body, "messages");
  if (!messages) throw invalid_request("'messages' is missing", "messages");
  if (!messages->is_array() || messages->empty())
    bad_field("messages", "a non-empty array of messages", *messages);
  for (size_t i = 0; i < messages->size(); ++i)
    r.messages.push_back(parse_message((*messages)[i], "messages[" + std::to_string(i) + "]"));
  parse_stream_fields(body, r.stream, r.include_usage);
  OrderedBody ordered(text);
  r.sampling = parse_sampling(body);
  r.sampling.json_grammar = parse_response_format(ordered, body);
  const std::string format =
      optional_string(body, "reasoning_format", "reasoning_format").value_or("deepseek");
  if (format != "deepseek" && format != "none")
    bad_field("reasoning_format", "\"deepseek\" or \"none\"", body["reasoning_format"]);
  r.reasoning_format = format == "none" ? ReasoningFormat::kNone : ReasoningFormat::kDeepSeek;
  r.tools = parse_tool_request(body, ordered);
  const bool forced =
      r.tools.choice.kind == ToolChoice::kRequired || r.tools.choice.kind == ToolChoice::kFunction;
  if (forced && r.sampling.json_grammar)
    throw invalid_request(
        "'tool_choice' \"required\" or a named function makes the reply tool calls, which "
        "'response_format' cannot also shape; send one of them (tool_choice \"auto\" goes with "
        "response_format)",
        "response_format");
  if (const Json* kwargs = field(body, "chat_template_kwargs")) {
    if (!kwargs->is_object()) bad_field("chat_template_kwargs", "an object", *kwargs);
    r.template_kwargs = ordered.at("chat_template_kwargs");
  }
  return r;
}

CompletionRequest parse_completion_request(std::string_view text) {
  const Json body = parse_body(text);
  refuse_unsupported_fields(body, ApiEndpoint::kCompletion);
  CompletionRequest r;
  r.model = optional_string(body, "model", "model").value_or("");
  const Json* prompt = field(body, "prompt");
  if (!prompt) throw invalid_request("'prompt' is missing", "prompt");
  const std::string expected = "a string or an array of one string";
  if (prompt->is_array()) {
    if (prompt->size() != 1) bad_field("prompt", expected, *prompt);
    if (!(*prompt)[0].is_string()) bad_field("prompt[0]", "a string", (*prompt)[0]);
    r.prompt = (*prompt)[0].get<std::string>();
  } else if (prompt->is_string()) {
    r.prompt = prompt->get<std::string>();
  } else {
    bad_field("prompt", expected, *prompt);
  }
  parse_stream_fields(body, r.stream, r.include_usage);
  r.sampling = parse_sampling(body);
  OrderedBody ordered(text);
  r.sampling.json_grammar = parse_response_format(ordered, body);
  return r;
}

}  // namespace r1::server
