// Tool names, the calculator on rl/expression's exact evaluator, and the tools' descriptions.
#include "rl/rollout_tools.h"

#include <algorithm>

#include "core/error.h"
#include "io/json_file.h"
#include "rl/expression.h"

namespace r1::rl {

namespace {

constexpr const char* kKnownTools[] = {"calculator"};

ToolResult tool_error(const std::string& why) {
  return {"error: " + why, true};
}

}  // namespace

std::vector<std::string> parse_tool_names(const std::string& flag) {
  std::vector<std::string> names;
  if (flag.empty() || flag == "none") return names;
  size_t at = 0;
  for (;;) {
    const size_t comma = flag.find(',', at);
    const std::string name = flag.substr(at, comma == std::string::npos ? comma : comma - at);
    if (std::find(std::begin(kKnownTools), std::end(kKnownTools), name) == std::end(kKnownTools))
      throw UsageError("--tools: unknown tool '" + name + "' (known: calculator)");
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    if (comma == std::string::npos) return names;
    at = comma + 1;
  }
}

void validate(const RolloutTools& tools) {
  if (tools.max_turns < 1)
    throw UsageError("--tool-turns must be >= 1, got " + std::to_string(tools.max_turns));
}

ToolResult calculator(const std::string& arguments_json) {
  const Json args = Json::parse(arguments_json, nullptr, false);
  if (!args.is_object() || !args.contains("expression") || !args["expression"].is_string())
    return tool_error("expected the arguments {\"expression\": \"...\"}");
  const ExpressionValue e = evaluate_expression(args["expression"].get<std::string>());
  if (!e.value) return tool_error(e.error);
  return {e.value->to_string(), false};
}

ToolResult run_tool_call(const RolloutTools& tools, const std::string& name,
                         const std::string& arguments_json) {
  if (std::find(tools.names.begin(), tools.names.end(), name) == tools.names.end())
    return tool_error("unknown tool '" + name + "'");
  return calculator(arguments_json);
}

OrderedJson tools_json(const RolloutTools& tools) {
  OrderedJson list = OrderedJson::array();
  if (!tools.enabled()) return list;
  const OrderedJson parameters = {
      {"type", "object"},
      {"properties",
       {{"expression",
         {{"type", "string"},
          {"description", "integers with + - * / and parentheses, e.g. \"482 + 37 * 910\""}}}}},
      {"required", {"expression"}}};
  list.push_back({{"type", "function"},
                  {"function",
                   {{"name", "calculator"},
                    {"description", "Evaluates an arithmetic expression exactly."},
                    {"parameters", parameters}}}});
  return list;
}

std::string tools_description(const RolloutTools& tools) {
  if (!tools.enabled()) return "";
  return "Tools: calculator({\"expression\": \"...\"}) evaluates + - * / and parentheses exactly.";
}

}  // namespace r1::rl
