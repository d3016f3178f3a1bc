// A parsed assistant reply in OpenAI's shape: reasoning_content, content and tool_calls (each
// with an id, the function's name and its arguments as a JSON string), and its JSON form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chat/chat_template.h"

namespace r1 {

struct ToolCall {
  std::string id;         // "call_" + 24 letters and digits
  std::string name;       // function.name
  std::string arguments;  // function.arguments: a JSON object, as the model wrote it
};

struct AssistantMessage {
  std::string reasoning;  // reasoning_content
  std::string content;
  std::vector<ToolCall> tool_calls;  // complete, valid calls only
  // Why the tool-call markup could not be parsed (the first problem; parsing stops there):
  // empty when there was none.
  std::string error;
};

// {"role": "assistant", "content": ..., "reasoning_content": ..., "tool_calls": [...]}:
// content is null when empty and there are calls, reasoning_content null when empty,
// tool_calls left out when there are none (as OpenAI's API answers).
OrderedJson assistant_message_json(const AssistantMessage& m);

// The id of call `index` of a reply: deterministic in (seed, index), "call_" + 24 characters of
// [A-Za-z0-9], distinct for distinct indexes.
std::string tool_call_id(uint64_t seed, size_t index);

// The function names of an OpenAI request's `tools` ([{"type": "function", "function":
// {"name": ...}}, ...]); null gives none. FormatError naming the entry for a malformed list.
std::vector<std::string> tool_names(const OrderedJson& tools);

}  // namespace r1
