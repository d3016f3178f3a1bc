// The tool fields of a chat request: tools kept in their key order for the template, the
// choice among none/auto/required/a named function, parallel_tool_calls and
// chat_template_kwargs; every malformed value is a 400 naming the field.
#include "server/tool_request.h"

#include <gtest/gtest.h>

#include <string>

#include "server/api_error.h"
#include "server/chat_request.h"

namespace r1::server {
namespace {

const std::string kMessages = R"("messages": [{"role": "user", "content": "hi"}])";
const std::string kTools = R"("tools": [
  {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
  {"type": "function", "function": {"name": "now"}}])";

ChatRequest parse(const std::string& fields) {
  return parse_chat_request("{" + kMessages + (fields.empty() ? "" : ", " + fields) + "}");
}

TEST(ToolRequest, ToolsKeepTheirKeyOrderAndChoiceDefaultsToAuto) {
  const ChatRequest r = parse(kTools);
  EXPECT_EQ(r.tools.names, (std::vector<std::string>{"get_weather", "now"}));
  EXPECT_EQ(r.tools.choice.kind, ToolChoice::kAuto);
  EXPECT_TRUE(r.tools.enabled());
  EXPECT_TRUE(r.tools.parallel_calls);
  // As sent: "type" before "function", "name" before "description" before "parameters".
  const std::string dumped = r.tools.tools.dump();
  EXPECT_LT(dumped.find("\"type\""), dumped.find("\"function\"")) << dumped;
  EXPECT_LT(dumped.find("\"description\""), dumped.find("\"parameters\"")) << dumped;
  EXPECT_LT(dumped.find("\"name\""), dumped.find("\"description\"")) << dumped;

  EXPECT_FALSE(parse("").tools.enabled());
  EXPECT_EQ(parse("").tools.choice.kind, ToolChoice::kNone);
  const ChatRequest none = parse(kTools + R"(, "tool_choice": "none", "parallel_tool_calls": false)");
  EXPECT_EQ(none.tools.choice.kind, ToolChoice::kNone);
  EXPECT_FALSE(none.tools.enabled());
  EXPECT_FALSE(none.tools.parallel_calls);
  const ChatRequest kwargs = parse(R"("chat_template_kwargs": {"thinking": true, "a": 1})");
  EXPECT_EQ(kwargs.template_kwargs.dump(), R"({"thinking":true,"a":1})");
}

TEST(ToolRequest, MalformedToolFieldsAreOneErrorNamingTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {R"("tools": {"type": "function"})", "tools"},
      {R"("tools": [{"type": "retrieval", "function": {"name": "f"}}])", "tools[0].type"},
      {R"("tools": [{"type": "function"}])", "tools[0].function"},
      {R"("tools": [{"type": "function", "function": {"name": "a b"}}])", "tools[0].function.name"},
      {R"("tools": [{"type": "function", "function": {}}])", "tools[0].function.name"},
      {R"("tools": [{"type": "function", "function": {"name": "f", "description": 3}}])",
       "tools[0].function.description"},
      {R"("tools": [{"type": "function", "function": {"name": "f", "parameters": "x"}}])",
       "tools[0].function.parameters"},
      {R"("tools": [{"type": "function", "function": {"name": "f"}},
                    {"type": "function", "function": {"name": "f"}}])",
       "tools[1].function.name"},
      {kTools + R"(, "tool_choice": "sometimes")", "tool_choice"},
      {kTools + R"(, "tool_choice": {"type": "function", "function": {"name": "nope"}})",
       "tool_choice.function.name"},
      {R"("tool_choice": "required")", "tool_choice"},
      {kTools + R"(, "parallel_tool_calls": "yes")", "parallel_tool_calls"},
      {R"("chat_template_kwargs": [1])", "chat_template_kwargs"},
  };
  for (const auto& [fields, param] : cases) {
    try {
      parse(fields);
      ADD_FAILURE() << fields << " was accepted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 400) << fields;
      EXPECT_EQ(e.param(), param) << fields << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace r1::server
