// Choosing the tool-call format from the chat template's family or a --format flag.
#include "chat/tool_call_format.h"

#include "core/error.h"

namespace r1 {

const char* tool_call_format_name(ToolCallFormat format) {
  return format == ToolCallFormat::V3_1 ? "v3.1" : "r1";
}

ToolCallFormat tool_call_format_for(ChatFamily family) {
  return family == ChatFamily::DeepSeekV3_1 ? ToolCallFormat::V3_1 : ToolCallFormat::R1;
}

ToolCallFormat tool_call_format_from_flag(const std::string& flag, ChatFamily family) {
  if (flag == "auto") return tool_call_format_for(family);
  if (flag == "r1") return ToolCallFormat::R1;
  if (flag == "v3.1") return ToolCallFormat::V3_1;
  throw UsageError("--format must be auto, r1 or v3.1, got \"" + flag + "\"");
}

}  // namespace r1
