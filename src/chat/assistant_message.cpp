// The assistant message's JSON, tool-call ids and the tool names of a request.
#include "chat/assistant_message.h"

#include "core/error.h"

namespace r1 {

OrderedJson assistant_message_json(const AssistantMessage& m) {
  OrderedJson j = OrderedJson::object();
  j["role"] = "assistant";
  if (m.content.empty() && !m.tool_calls.empty()) {
    j["content"] = nullptr;
  } else {
    j["content"] = m.content;
  }
  j["reasoning_content"] = m.reasoning.empty() ? OrderedJson(nullptr) : OrderedJson(m.reasoning);
  if (!m.tool_calls.empty()) {
    OrderedJson calls = OrderedJson::array();
    for (const ToolCall& c : m.tool_calls)
      calls.push_back({{"id", c.id},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    j["tool_calls"] = std::move(calls);
  }
  return j;
}

std::string tool_call_id(uint64_t seed, size_t index) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // splitmix64 over (seed, index): a different stream of characters for each call.
  uint64_t state = seed ^ (0x9E3779B97F4A7C15ull * (uint64_t(index) + 1));
  auto next = [&state] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  std::string id = "call_";
  for (int i = 0; i < 24; ++i) id += kAlphabet[next() % 62];
  return id;
}

std::vector<std::string> tool_names(const OrderedJson& tools) {
  std::vector<std::string> names;
  if (tools.is_null()) return names;
  if (!tools.is_array()) throw FormatError("tools must be a list");
  for (size_t i = 0; i < tools.size(); ++i) {
    const OrderedJson& t = tools[i];
    const std::string where = "tools[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("function") || !t["function"].is_object() ||
        !t["function"].contains("name") || !t["function"]["name"].is_string())
      throw FormatError(where + " must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
    if (t.contains("type") && t["type"] != "function")
      throw FormatError(where + ".type must be \"function\"");
    names.push_back(t["function"]["name"].get<std::string>());
  }
  return names;
}

}  // namespace r1
