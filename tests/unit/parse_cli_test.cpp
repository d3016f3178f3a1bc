// `r1 parse`: raw output on stdin to the OpenAI assistant message, the format and the forced
// <think> taken from the model's chat template; bad input fails with one line.
#include <gtest/gtest.h>

#include <algorithm>

#include "chat/assistant_message.h"
#include "chat/chat_template.h"
#include "io_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

const std::string kTemplates = std::string(R1_SOURCE_DIR) + "/tests/chat_template/templates/";

struct Parsed {
  int exit_code;
  std::string out;
};

Parsed parse_cli(const std::string& output, const std::string& args) {
  const std::string dir = test::make_temp_dir("parse_cli");
  testing::write_bytes(dir + "/out.txt", output);
  const test::RunResult r = test::run_r1("parse " + args + " < " + dir + "/out.txt");
  return {r.exit_code, r.out};
}

TEST(ParseCli, R1ReasoningAndCalls) {
  // R1's template forces <think>: the output starts inside the reasoning.
  const Parsed p = parse_cli(
      "The user wants the weather.\n</think>\n\nChecking.\n\n<｜tool▁calls▁begin｜>"
      "<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```"
      "<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n```json\n{}\n```"
      "<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>",
      "--model " + kTemplates + "deepseek_r1 --id-seed 3");
  ASSERT_EQ(p.exit_code, 0) << p.out;
  OrderedJson m = parse_ordered_json("stdout", p.out);
  EXPECT_EQ(m["role"], "assistant");
  EXPECT_EQ(m["reasoning_content"], "The user wants the weather.\n");
  EXPECT_EQ(m["content"], "Checking.");
  ASSERT_EQ(m["tool_calls"].size(), 2u) << p.out;
  EXPECT_EQ(m["tool_calls"][0]["type"], "function");
  EXPECT_EQ(m["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(m["tool_calls"][0]["function"]["arguments"], "{\"city\": \"Paris\"}");
  EXPECT_EQ(m["tool_calls"][1]["function"]["arguments"], "{}");
  EXPECT_EQ(m["tool_calls"][0]["id"], tool_call_id(3, 0));
  EXPECT_EQ(m.begin().key(), "role");
}

TEST(ParseCli, V31FormatFromTheTemplate) {
  const std::string out =
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_time<｜tool▁sep｜>{\"tz\":\"UTC\"}"
      "<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  Parsed p = parse_cli(out, "--model " + kTemplates + "deepseek_v3_1");
  ASSERT_EQ(p.exit_code, 0) << p.out;
  OrderedJson m = parse_ordered_json("stdout", p.out);
  EXPECT_TRUE(m["content"].is_null());
  EXPECT_TRUE(m["reasoning_content"].is_null());
  EXPECT_EQ(m["tool_calls"][0]["function"]["name"], "get_time");
  EXPECT_EQ(m["tool_calls"][0]["function"]["arguments"], "{\"tz\":\"UTC\"}");
  // The same text read as R1's format is an error naming the call.
  p = parse_cli(out, "--model " + kTemplates + "deepseek_v3_1 --format r1");
  EXPECT_EQ(p.exit_code, 1) << p.out;
  EXPECT_NE(p.out.find("tool call 0: expected \"function\""), std::string::npos) << p.out;
  // Tools disabled: the markup is dropped, nothing leaks into the content.
  p = parse_cli("Sure." + out, "--model " + kTemplates + "deepseek_v3_1 --no-tools");
  ASSERT_EQ(p.exit_code, 0) << p.out;
  m = parse_ordered_json("stdout", p.out);
  EXPECT_EQ(m["content"], "Sure.");
  EXPECT_FALSE(m.contains("tool_calls"));
}

TEST(ParseCli, ToolsListAndErrors) {
  const std::string dir = test::make_temp_dir("parse_cli_tools");
  const std::string tools = dir + "/tools.json";
  testing::write_bytes(tools, R"({"tools": [{"type": "function", "function": {"name": "f"}}]})");
  const std::string model = "--model " + kTemplates + "deepseek_r1_0528";
  auto call = [](const std::string& name, const std::string& args) {
    return "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>" + name +
           "\n```json\n" + args + "\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  };
  Parsed p = parse_cli(call("f", "{}"), model + " --tools " + tools);
  EXPECT_EQ(p.exit_code, 0) << p.out;
  auto expect_fail = [](const Parsed& r, int code, const std::string& needle) {
    EXPECT_EQ(r.exit_code, code) << r.out;
    EXPECT_NE(r.out.find(needle), std::string::npos) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  };
  expect_fail(parse_cli(call("g", "{}"), model + " --tools " + tools), 1,
              "tool call 0: unknown function \"g\"");
  expect_fail(parse_cli(call("f", "{'a': 1}"), model), 1,
              "tool call 0 (f) arguments: invalid JSON");
  expect_fail(parse_cli("x", model + " --format v3"), 2, "--format must be auto, r1 or v3.1");
  testing::write_bytes(tools, R"([{"type": "function"}])");
  expect_fail(parse_cli("x", model + " --tools " + tools), 1, "tools.json: tools[0] must be");
  expect_fail(parse_cli("x", "--model " + dir), 1, "tokenizer_config.json");
}

}  // namespace
}  // namespace r1
