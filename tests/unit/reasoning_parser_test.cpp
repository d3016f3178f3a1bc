// The reasoning parser: whole text and every way of cutting it into streamed chunks agree.
#include "chat/reasoning_parser.h"

#include <gtest/gtest.h>

namespace r1 {
namespace {

struct Case {
  std::string text;
  bool forced;
  std::string reasoning, content;
};

const Case kCases[] = {
    {"<think>\nLet me add 2 and 2.\n</think>\n\nThe answer is 4.", false, "Let me add 2 and 2.\n",
     "The answer is 4."},
    {"Let me add.\n</think>\n\n4", true, "Let me add.\n", "4"},  // forced <think>
    {"\n\nno closing tag yet", true, "no closing tag yet", ""},  // still thinking
    {"Plain answer without thinking.", false, "", "Plain answer without thinking."},
    {"  <think>x</think>y", false, "x", "y"},
    {"<thinking is not the tag", false, "", "<thinking is not the tag"},
    {"a </thin b </think> c", true, "a </thin b ", " c"},
    {"<think></think>", false, "", ""},
    {"<thi", false, "", "<thi"},                       // ended mid-tag
    {"x</think>y</think>z", true, "x", "y</think>z"},  // only the first
    {"思考：2+2=4</think>答案：4", true, "思考：2+2=4", "答案：4"},
};

TEST(ReasoningParser, WholeText) {
  for (const Case& c : kCases) {
    const ReasoningDelta d = ReasoningParser::parse(c.text, c.forced);
    EXPECT_EQ(d.reasoning, c.reasoning) << c.text;
    EXPECT_EQ(d.content, c.content) << c.text;
  }
}

TEST(ReasoningParser, EverySplitIntoThreeChunksAgrees) {
  for (const Case& c : kCases) {
    const size_t n = c.text.size();
    for (size_t i = 0; i <= n; ++i)
      for (size_t j = i; j <= n; ++j) {
        ReasoningParser p(c.forced);
        std::string reasoning, content;
        for (auto piece : {c.text.substr(0, i), c.text.substr(i, j - i), c.text.substr(j)}) {
          const ReasoningDelta d = p.push(piece);
          reasoning += d.reasoning;
          content += d.content;
        }
        const ReasoningDelta d = p.finish();
        reasoning += d.reasoning;
        content += d.content;
        ASSERT_EQ(reasoning, c.reasoning) << c.text << " split at " << i << "," << j;
        ASSERT_EQ(content, c.content) << c.text << " split at " << i << "," << j;
      }
  }
}

TEST(ReasoningParser, NeverReleasesAPartialClosingTag) {
  ReasoningParser p(true);
  EXPECT_EQ(p.push("thinking </thi").reasoning, "thinking ");
  EXPECT_TRUE(p.in_reasoning());
  const ReasoningDelta d = p.push("nk>\n\nanswer");
  EXPECT_EQ(d.reasoning, "");
  EXPECT_EQ(d.content, "answer");
  EXPECT_FALSE(p.in_reasoning());
}

}  // namespace
}  // namespace r1
