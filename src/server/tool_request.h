// The tool fields of a /v1/chat/completions body: `tools` (function definitions, kept in their
// key order for the chat template), `tool_choice` and `parallel_tool_calls`, validated with the
// field named in every error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "chat/tool_call_format.h"
#include "infer/token_constraint.h"
#include "io/json_file.h"
#include "server/ordered_body.h"

namespace r1::server {

struct ToolChoice {
  enum Kind { kAuto, kNone, kRequired, kFunction };
  Kind kind = kAuto;
  std::string function;  // kFunction: the tool it names
};

struct ToolRequest {
  OrderedJson tools;               // the `tools` array as sent (key order kept); null: none
  std::vector<std::string> names;  // each tool's function name, in order
  ToolChoice choice;               // kNone when there are no tools
  bool parallel_calls = true;      // parallel_tool_calls
  bool enabled() const { return !names.empty() && choice.kind != ToolChoice::kNone; }
};

// `body` is the parsed request, `ordered` the same body in the order sent (the tools' key
// order). ApiError 400 naming the field for a malformed tool, a duplicate name, or a
// tool_choice naming no tool.
ToolRequest parse_tool_request(const Json& body, OrderedBody& ordered);

// What makes the reply the calls tool_choice demands, by constrained sampling: "required", a
// call of one of the tools (one or more with parallel_tool_calls); a named function, one call
// of it; each call's arguments valid against its function's `parameters`. nullopt for "auto"
// and "none". ApiError 400 unsupported_schema naming the tool whose parameters use a JSON
// Schema keyword structured output does not support.
std::optional<StructuredOutput> forced_tool_calls(const ToolRequest& request,
                                                  ToolCallFormat format,
                                                  const Tokenizer& tokenizer);

}  // namespace r1::server
