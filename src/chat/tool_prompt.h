// The tools polyfill: for chat templates that ignore `tools` (DeepSeek's own templates do), a
// system message listing the tools and the exact call markup of the model's format, as
// llama.cpp and vLLM add one, so that a request's tools still reach the model.
#pragma once

#include <string>

#include "chat/chat_template.h"
#include "chat/tool_call_format.h"

namespace r1 {

// How to call tools in format: the call markup with NAME and ARGUMENTS in it. The server's own
// text, whose markers are encoded as the real tokens.
std::string tool_call_instructions(ToolCallFormat format);
// The whole text: the tools, one JSON line each (the request's data), then the instructions.
std::string tool_system_prompt(const OrderedJson& tools, ToolCallFormat format);

// messages with `text` appended to the first system message (after a blank line), or as a new
// system message before the others when there is none.
OrderedJson with_system_text(const OrderedJson& messages, const std::string& text);

}  // namespace r1
