// Writing the tools polyfill's system text and placing it in the conversation.
#include "chat/tool_prompt.h"

namespace r1 {

std::string tool_call_instructions(ToolCallFormat format) {
  using namespace tool_tokens;
  const std::string call = format == ToolCallFormat::V3_1
                               ? std::string(kCallBegin) + "NAME" + std::string(kSep) +
                                     "ARGUMENTS" + std::string(kCallEnd)
                               : std::string(kCallBegin) + "function" + std::string(kSep) +
                                     "NAME\n```json\nARGUMENTS\n```" + std::string(kCallEnd);
  return "\nTo call tools, answer with exactly this, one call after the other for several "
         "calls, ARGUMENTS being a JSON object:\n" +
         std::string(kCallsBegin) + call + std::string(kCallsEnd) +
         "\nEach result then comes back to you as a tool message.";
}

std::string tool_system_prompt(const OrderedJson& tools, ToolCallFormat format) {
  std::string text =
      "You can call these tools; each function's \"parameters\" is the JSON Schema of its "
      "arguments:\n";
  for (const OrderedJson& tool : tools) text += tool.dump() + "\n";
  return text + tool_call_instructions(format);
}

OrderedJson with_system_text(const OrderedJson& messages, const std::string& text) {
  OrderedJson out = messages;
  for (OrderedJson& m : out)
    if (m.value("role", "") == "system" && m.contains("content") && m["content"].is_string()) {
      m["content"] = m["content"].get<std::string>() + "\n\n" + text;
      return out;
    }
  out.insert(out.begin(), OrderedJson{{"role", "system"}, {"content", text}});
  return out;
}

}  // namespace r1
