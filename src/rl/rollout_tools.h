// The tools a rollout may call (`--tools calculator`): which ones, how the prompt tells the
// model about them, and running one call. The calculator evaluates exactly (rl/expression.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chat/jinja_value.h"

namespace r1::rl {

struct RolloutTools {
  std::vector<std::string> names;  // the enabled tools ("calculator"); empty: none
  int64_t max_turns = 4;           // tool rounds per rollout (--tool-turns)
  bool enabled() const { return !names.empty(); }
};

// --tools: comma-separated tool names; "" and "none" give none. UsageError naming the known
// tools for any other name, and for --tool-turns < 1 (validate).
std::vector<std::string> parse_tool_names(const std::string& flag);
void validate(const RolloutTools& tools);

struct ToolResult {
  std::string output;  // what the model is shown: a value, or "error: ..." on a failed call
  bool error = false;  // a tool error: unknown tool, bad arguments, invalid expression
};

// calculator with arguments {"expression": "482 + 37 * 910"}: its exact value ("34152", "-3/4"),
// or an error for anything but an object with a string "expression" and for an expression
// rl/expression.h rejects (syntax, division by zero, overflow).
ToolResult calculator(const std::string& arguments_json);

// A call to `name` (an error when it is not one of tools.names).
ToolResult run_tool_call(const RolloutTools& tools, const std::string& name,
                         const std::string& arguments_json);

// The tools as an OpenAI `tools` list, for chat templates that render tools.
OrderedJson tools_json(const RolloutTools& tools);
// One line telling the model what it may call, for prompts whose template renders no tools.
std::string tools_description(const RolloutTools& tools);

}  // namespace r1::rl
