// Tools over HTTP on the tiny random R1 model (its vocabulary has no tool-call tokens, so the
// markers are spelled): tool_choice "required" and a named function always give parsed calls of
// known functions with schema-valid arguments, streamed and not; the tool round trip renders;
// tool_choice with response_format and unsupported parameter schemas are 400s naming them; a
// template that ignores tools gets them in a system message (the polyfill).
#include <gtest/gtest.h>

#include <algorithm>

#include "chat/tool_prompt.h"
#include "serve_test_util.h"
#include "server/served_model.h"

namespace r1::test {
namespace {

const Json kTools = Json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
   "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 6},
                  "days": {"type": "integer"}}, "required": ["city"]}}},
  {"type": "function", "function": {"name": "now", "description": "The time"}}])");

Json tool_body(const Json& tool_choice, uint64_t seed) {
  return {{"messages", Json::array({{{"role", "user"}, {"content", "Weather in Oslo?"}}})},
          {"tools", kTools},
          {"tool_choice", tool_choice},
          {"max_tokens", 200},
          {"seed", seed}};
}

// A call's arguments valid against its tool's parameters.
void expect_valid_call(const std::string& name, const std::string& arguments) {
  const Json args = Json::parse(arguments);
  ASSERT_TRUE(args.is_object()) << arguments;
  if (name == "now") {
    EXPECT_EQ(args, Json::object());
    return;
  }
  ASSERT_EQ(name, "get_weather");
  ASSERT_TRUE(args["city"].is_string()) << arguments;
  EXPECT_LE(args["city"].get<std::string>().size(), 6u * 4) << arguments;
  for (const auto& [key, value] : args.items())
    EXPECT_TRUE(key == "city" || (key == "days" && value.is_number_integer())) << arguments;
}

TEST(ServeTools, RequiredAndNamedChoicesAlwaysCall) {
  TestServer server;
  const Json named = {{"type", "function"}, {"function", {{"name", "get_weather"}}}};
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const bool by_name = seed % 2 == 0;
    const ClientResponse r = post_json(server.port(), "/v1/chat/completions",
                                       tool_body(by_name ? named : Json("required"), seed));
    ASSERT_EQ(r.status, 200) << r.body;
    const Json choice = Json::parse(r.body)["choices"][0];
    EXPECT_EQ(choice["finish_reason"], "tool_calls") << r.body;
    const Json& calls = choice["message"]["tool_calls"];
    ASSERT_TRUE(calls.is_array() && !calls.empty()) << r.body;
    EXPECT_TRUE(!by_name || calls.size() == 1) << r.body;
    for (const Json& call : calls) {
      EXPECT_TRUE(!by_name || call["function"]["name"] == "get_weather") << r.body;
      expect_valid_call(call["function"]["name"], call["function"]["arguments"]);
    }
    const Json& content = choice["message"]["content"];
    EXPECT_TRUE(content.is_null() || content == "") << r.body;
  }
}

TEST(ServeTools, StreamedRequiredCallArrivesAsToolCallDeltas) {
  TestServer server;
  Json body = tool_body("required", 9);
  body["parallel_tool_calls"] = false;
  body["stream"] = true;
  const ClientResponse r = post_json(server.port(), "/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string name, arguments, finish;
  for (const Json& e : sse_events(r.body))
    for (const Json& c : e["choices"]) {
      if (c["finish_reason"].is_string()) finish = c["finish_reason"];
      if (!c["delta"].contains("tool_calls")) continue;
      for (const Json& call : c["delta"]["tool_calls"]) {
        EXPECT_EQ(call["index"], 0) << r.body;  // one call: parallel_tool_calls is false
        if (call["function"].contains("name")) name += call["function"]["name"].get<std::string>();
        arguments += call["function"]["arguments"].get<std::string>();
      }
    }
  EXPECT_EQ(finish, "tool_calls") << r.body;
  expect_valid_call(name, arguments);
}

TEST(ServeTools, ToolResultRoundTripAnswersAsContent) {
  TestServer server;
  const Json call = {{"id", "call_1"},
                     {"type", "function"},
                     {"function", {{"name", "get_weather"}, {"arguments", R"({"city":"Oslo"})"}}}};
  for (const char* choice : {"none", "auto"}) {
    Json body = tool_body(choice, 3);
    body["messages"].push_back(
        {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {call}}});
    body["messages"].push_back(
        {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "Sunny"}});
    body["max_tokens"] = 30;
    const ClientResponse r = post_json(server.port(), "/v1/chat/completions", body);
    ASSERT_EQ(r.status, 200) << r.body;
    const Json message = Json::parse(r.body)["choices"][0]["message"];
    EXPECT_TRUE(std::string(choice) == "auto" || !message.contains("tool_calls")) << r.body;
    // After the tool's output R1's template writes no <think>: the reply is content.
    ASSERT_TRUE(message["content"].is_string()) << r.body;
    EXPECT_FALSE(message["content"].get<std::string>().empty()) << r.body;
    EXPECT_EQ(message["content"].get<std::string>().find("<｜tool"), std::string::npos) << r.body;
  }
}

TEST(ServeTools, ConflictsAndUnsupportedSchemasAre400NamingTheField) {
  TestServer server;
  Json format = tool_body("required", 1);
  format["response_format"] = {{"type", "json_object"}};
  Json pattern = tool_body({{"type", "function"}, {"function", {{"name", "now"}}}}, 1);
  pattern["tools"][1]["function"]["parameters"] = {
      {"type", "object"}, {"properties", {{"t", {{"type", "string"}, {"format", "date"}}}}}};
  const std::pair<Json, std::string> cases[] = {{format, "response_format"},
                                                {pattern, "tools[1].function.parameters"}};
  for (const auto& [body, param] : cases) {
    const ClientResponse r = post_json(server.port(), "/v1/chat/completions", body);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(Json::parse(r.body)["error"]["param"], param) << r.body;
  }
  // "auto" compiles no schema: the same tools are fine.
  pattern["tool_choice"] = "auto";
  pattern["max_tokens"] = 4;
  EXPECT_EQ(post_json(server.port(), "/v1/chat/completions", pattern).status, 200);
}

TEST(ServeTools, TemplatesIgnoringToolsGetThemInASystemMessage) {
  const std::string templates = std::string(R1_SOURCE_DIR) + "/tests/chat_template/templates/";
  EXPECT_FALSE(ChatTemplate::load(templates + "deepseek_r1").renders_tools());
  EXPECT_TRUE(ChatTemplate::load(templates + "qwen3").renders_tools());

  TestServer server;
  const server::ServedModel& model = server.model();
  Json tools = kTools;
  tools[1]["function"]["description"] = "<｜end▁of▁sentence｜> is data";
  const OrderedJson ordered = OrderedJson::parse(tools.dump());
  const std::vector<server::ChatMessage> messages = {{"user", "Weather?", "", "", nullptr}};
  const std::vector<int32_t> ids = server::chat_prompt(model, messages, ordered);
  const std::string text = model.tokenizer->decode(ids);
  EXPECT_NE(text.find(tool_system_prompt(ordered, ToolCallFormat::R1)), std::string::npos) << text;
  EXPECT_LT(text.find("get_weather"), text.find("<｜User｜>")) << text;
  // The tools are data: a token spelled in a description stays text.
  for (int32_t stop : model.stop_ids)
    EXPECT_EQ(std::count(ids.begin(), ids.end(), stop), 0) << text;
  // A system message of the request gets the text after its own.
  const std::vector<server::ChatMessage> with_system = {{"system", "Be brief.", "", "", nullptr},
                                                        messages[0]};
  const std::string both =
      model.tokenizer->decode(server::chat_prompt(model, with_system, ordered));
  EXPECT_NE(both.find("Be brief.\n\nYou can call these tools"), std::string::npos) << both;
}

TEST(ServeTools, OwnedBytesLeaveTheDataRanges) {
  PromptText p;
  p.append_template("<s>");
  p.append_data("user text");  // [3, 12)
  p.own(5, 8);
  EXPECT_EQ(p.data_ranges, (std::vector<std::pair<size_t, size_t>>{{3, 5}, {8, 12}}));
  p.own(0, 4);
  EXPECT_EQ(p.data_ranges, (std::vector<std::pair<size_t, size_t>>{{4, 5}, {8, 12}}));
}

}  // namespace
}  // namespace r1::test
