// Choosing the tool-call format from the chat template's family or a --format flag; writing a
// call block and the tool-output form.
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

std::string tool_call_block(ToolCallFormat format, const std::string& name,
                            const std::string& arguments) {
  using namespace tool_tokens;
  std::string call = format == ToolCallFormat::V3_1 ? name + std::string(kSep) + arguments
                                                    : "function" + std::string(kSep) + name +
                                                          "\n```json\n" + arguments + "\n```";
  return std::string(kCallsBegin) + std::string(kCallBegin) + call + std::string(kCallEnd) +
         std::string(kCallsEnd);
}

PromptText tool_outputs_text(ToolCallFormat format, const std::vector<std::string>& outputs) {
  using namespace tool_tokens;
  PromptText p;
  if (format == ToolCallFormat::R1) p.append_template(kOutputsBegin);
  for (const std::string& out : outputs) {
    p.append_template(kOutputBegin);
    p.append_data(out);
    p.append_template(kOutputEnd);
  }
  if (format == ToolCallFormat::R1) p.append_template(kOutputsEnd);
  return p;
}

}  // namespace r1
