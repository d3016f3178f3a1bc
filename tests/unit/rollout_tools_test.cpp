// The calculator tool: exact values, errors as "error: ..." outputs, the --tools names; the call
// block and tool-output form it is spoken in (the block round-trips through the parser).
#include "rl/rollout_tools.h"

#include <gtest/gtest.h>

#include "chat/tool_call_format.h"
#include "chat/tool_call_parser.h"
#include "core/error.h"
#include "rl/prompt_template.h"

namespace r1::rl {
namespace {

TEST(RolloutTools, CalculatorIsExact) {
  EXPECT_EQ(calculator(R"({"expression": "482 + 37 * 910"})").output, "34152");
  EXPECT_EQ(calculator(R"({"expression": "7 - 10"})").output, "-3");
  EXPECT_EQ(calculator(R"({"expression": "1 / 3 + 1 / 6"})").output, "1/2");
  EXPECT_EQ(calculator(R"({"expression": "(2 + 3) * 4"})").output, "20");
  EXPECT_EQ(calculator(R"({"expression": "999999999 * 999999999"})").output, "999999998000000001");
  EXPECT_FALSE(calculator(R"({"expression": "2 * 3"})").error);
}

TEST(RolloutTools, CalculatorErrorsAreToolErrors) {
  auto expect_error = [](const std::string& args, const std::string& needle) {
    const ToolResult r = calculator(args);
    EXPECT_TRUE(r.error) << args;
    EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << r.output;
    EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
  };
  expect_error(R"({"expression": "1 / 0"})", "division by zero");
  expect_error(R"({"expression": "2 +"})", "error: ");
  expect_error(R"({"expression": "999999999999999999 * 999999999999999999"})", "overflow");
  expect_error(R"({"expr": "1"})", "{\"expression\": \"...\"}");
  expect_error(R"({"expression": 12})", "{\"expression\": \"...\"}");
  expect_error("not json", "{\"expression\": \"...\"}");
  RolloutTools tools;
  tools.names = {"calculator"};
  const ToolResult r = run_tool_call(tools, "search", R"({"q": "x"})");
  EXPECT_TRUE(r.error);
  EXPECT_EQ(r.output, "error: unknown tool 'search'");
  EXPECT_EQ(run_tool_call(tools, "calculator", R"({"expression": "6 * 7"})").output, "42");
}

TEST(RolloutTools, ToolNamesFromTheFlag) {
  EXPECT_TRUE(parse_tool_names("").empty());
  EXPECT_TRUE(parse_tool_names("none").empty());
  EXPECT_EQ(parse_tool_names("calculator"), std::vector<std::string>{"calculator"});
  EXPECT_EQ(parse_tool_names("calculator,calculator"), std::vector<std::string>{"calculator"});
  try {
    parse_tool_names("calculator,nosuch");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--tools: unknown tool 'nosuch' (known: calculator)");
  }
  RolloutTools t;
  t.max_turns = 0;
  EXPECT_THROW(validate(t), UsageError);
}

TEST(RolloutTools, DescribedToTheModel) {
  RolloutTools tools;
  EXPECT_EQ(tools_description(tools), "");
  EXPECT_TRUE(tools_json(tools).empty());
  tools.names = {"calculator"};
  EXPECT_NE(tools_description(tools).find("calculator"), std::string::npos);
  const OrderedJson j = tools_json(tools);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["function"]["name"], "calculator");
  EXPECT_EQ(j[0]["function"]["parameters"]["required"][0], "expression");
}

TEST(RolloutTools, TheR1ZeroPromptOffersTheToolOnALineBeforeTheInstruction) {
  RolloutTools tools;
  tools.names = {"calculator"};
  const PromptText p = prompt_text(TemplateKind::R1Zero, "What is 1 + 2?", nullptr, &tools);
  EXPECT_EQ(p.text, tools_description(tools) + "\n" + r1_zero_prompt("What is 1 + 2?"));
  ASSERT_EQ(p.data_ranges.size(), 1u);  // the question, and only it, is data
  EXPECT_EQ(p.text.substr(p.data_ranges[0].first, p.data_ranges[0].second - p.data_ranges[0].first),
            "What is 1 + 2?");
  EXPECT_EQ(render_prompt(TemplateKind::R1Zero, "q", nullptr, nullptr), r1_zero_prompt("q"));
}

TEST(RolloutTools, CallBlockRoundTripsThroughTheParser) {
  for (ToolCallFormat f : {ToolCallFormat::R1, ToolCallFormat::V3_1}) {
    const std::string block = tool_call_block(f, "calculator", R"({"expression":"2 + 3"})");
    ToolCallOptions o;
    o.format = f;
    const AssistantMessage m = ToolCallParser::parse(block, o);
    EXPECT_EQ(m.error, "");
    ASSERT_EQ(m.tool_calls.size(), 1u) << block;
    EXPECT_EQ(m.tool_calls[0].name, "calculator");
    EXPECT_EQ(m.tool_calls[0].arguments, R"({"expression":"2 + 3"})");
  }
}

TEST(RolloutTools, OutputsInTheTemplatesForm) {
  const PromptText r1 = tool_outputs_text(ToolCallFormat::R1, {"5", "<｜tool▁sep｜>"});
  EXPECT_EQ(r1.text,
            "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>5<｜tool▁output▁end｜>"
            "<｜tool▁output▁begin｜><｜tool▁sep｜><｜tool▁output▁end｜><｜tool▁outputs▁end｜>");
  ASSERT_EQ(r1.data_ranges.size(), 2u);  // the outputs are data, never markup
  EXPECT_EQ(
      r1.text.substr(r1.data_ranges[0].first, r1.data_ranges[0].second - r1.data_ranges[0].first),
      "5");
  EXPECT_EQ(tool_outputs_text(ToolCallFormat::V3_1, {"5"}).text,
            "<｜tool▁output▁begin｜>5<｜tool▁output▁end｜>");
}

}  // namespace
}  // namespace r1::rl
