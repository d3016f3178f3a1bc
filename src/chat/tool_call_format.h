// The DeepSeek tool-call formats, their special tokens, and which one a chat template speaks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_template.h"
#include "tokenizer/prompt_text.h"

namespace r1 {

// R1 (DeepSeek-V3, R1, R1-0528):
//   <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```
//   <｜tool▁call▁end｜> (more calls, each after "\n") <｜tool▁calls▁end｜>
// V3_1 (DeepSeek-V3.1): <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{...}
//   <｜tool▁call▁end｜> ... <｜tool▁calls▁end｜>, no "function" prefix and no fence.
enum class ToolCallFormat { R1, V3_1 };

const char* tool_call_format_name(ToolCallFormat format);  // "r1" | "v3.1"

// The format a template's family writes: V3_1 for DeepSeek-V3.1, R1 for everything else.
ToolCallFormat tool_call_format_for(ChatFamily family);

// --format: "auto" (from the template's family), "r1" or "v3.1"; UsageError otherwise.
ToolCallFormat tool_call_format_from_flag(const std::string& flag, ChatFamily family);

// The special tokens of the DeepSeek vocabulary that tool calls use (ids 128806-128814 of
// DeepSeek-V3's tokenizer.json), as text: full-width bars (U+FF5C) and U+2581 word joiners.
namespace tool_tokens {
inline constexpr std::string_view kCallsBegin = "<｜tool▁calls▁begin｜>";
inline constexpr std::string_view kCallsEnd = "<｜tool▁calls▁end｜>";
inline constexpr std::string_view kCallBegin = "<｜tool▁call▁begin｜>";
inline constexpr std::string_view kCallEnd = "<｜tool▁call▁end｜>";
inline constexpr std::string_view kSep = "<｜tool▁sep｜>";
inline constexpr std::string_view kOutputsBegin = "<｜tool▁outputs▁begin｜>";
inline constexpr std::string_view kOutputsEnd = "<｜tool▁outputs▁end｜>";
inline constexpr std::string_view kOutputBegin = "<｜tool▁output▁begin｜>";
inline constexpr std::string_view kOutputEnd = "<｜tool▁output▁end｜>";
inline constexpr std::string_view kEndOfSentence = "<｜end▁of▁sentence｜>";
}  // namespace tool_tokens

// One call block as the model writes it (the inverse of ToolCallParser): calls begin, the call
// (R1: "function" sep NAME "\n```json\n" ARGS "\n```"; V3.1: NAME sep ARGS), call end, calls end.
std::string tool_call_block(ToolCallFormat format, const std::string& name,
                            const std::string& arguments);

// The tools' outputs as the chat template renders the 'tool' messages that answer a call block:
// R1 <｜tool▁outputs▁begin｜> then each <｜tool▁output▁begin｜>OUT<｜tool▁output▁end｜>, then
// <｜tool▁outputs▁end｜>; V3.1 the outputs alone. The outputs are data: a special token spelled
// in one is never matched as one.
PromptText tool_outputs_text(ToolCallFormat format, const std::vector<std::string>& outputs);

}  // namespace r1
