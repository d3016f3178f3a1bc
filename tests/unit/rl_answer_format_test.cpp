// Completion parsing for the R1-Zero (<think>/<answer>) and R1 (</think> + \boxed{}) formats:
// well-formed variants are accepted, and every ambiguous or hacked shape yields no answer.
#include <gtest/gtest.h>

#include "core/error.h"
#include "rl/answer_format.h"

namespace r1::rl {
namespace {

ParsedCompletion zero(const std::string& text, bool opens = false) {
  return parse_completion(text, TemplateKind::R1Zero, opens);
}
ParsedCompletion r1(const std::string& text, bool opens = true) {
  return parse_completion(text, TemplateKind::R1, opens);
}

TEST(RlAnswerFormat, R1ZeroWellFormed) {
  const ParsedCompletion p = zero("<think> 2 + 3 is 5 </think> <answer> 5 </answer>");
  EXPECT_TRUE(p.format_ok) << p.reason;
  EXPECT_TRUE(p.has_answer);
  EXPECT_EQ(p.answer, "5");
  EXPECT_EQ(p.thinking, "2 + 3 is 5");
  EXPECT_EQ(p.issue, FormatIssue::None);
  EXPECT_EQ(p.reason, "");
  // Newlines and surrounding whitespace are fine.
  const ParsedCompletion q = zero("\n <think>\nline 1\nline 2\n</think>\n\n<answer>\n(1 + 2) * 3\n</answer>\n");
  EXPECT_TRUE(q.format_ok) << q.reason;
  EXPECT_EQ(q.answer, "(1 + 2) * 3");
}

TEST(RlAnswerFormat, R1ZeroPromptThatAlreadyOpenedThink) {
  const ParsedCompletion p = zero(" I add them.</think> <answer>5</answer>", true);
  EXPECT_TRUE(p.format_ok) << p.reason;
  EXPECT_EQ(p.answer, "5");
  EXPECT_EQ(p.thinking, "I add them.");
  const ParsedCompletion again = zero("<think> x </think> <answer>5</answer>", true);
  EXPECT_FALSE(again.has_answer);
  EXPECT_EQ(again.issue, FormatIssue::SeveralThinkTags);
}

TEST(RlAnswerFormat, R1ZeroMissingThinkOpenKeepsTheAnswerButFailsTheFormat) {
  const ParsedCompletion p = zero("I add them.</think> <answer>5</answer>");
  EXPECT_FALSE(p.format_ok);
  EXPECT_TRUE(p.has_answer);
  EXPECT_EQ(p.answer, "5");
  EXPECT_EQ(p.issue, FormatIssue::MissingThinkOpen);
  const ParsedCompletion q = zero("Sure! <think> x </think> <answer>5</answer>");
  EXPECT_FALSE(q.has_answer);
  EXPECT_EQ(q.issue, FormatIssue::MissingThinkOpen);
  EXPECT_EQ(q.reason, "text before <think>");
}

TEST(RlAnswerFormat, R1ZeroTextOutsideTheTagsFailsTheFormatOnly) {
  for (const char* text : {"<think>x</think> So: <answer>5</answer>",
                           "<think>x</think> <answer>5</answer> Done.",
                           "<think>x</think><answer>5</answer><|endoftext|>"}) {
    const ParsedCompletion p = zero(text);
    EXPECT_FALSE(p.format_ok) << text;
    EXPECT_TRUE(p.has_answer) << text;
    EXPECT_EQ(p.answer, "5");
    EXPECT_EQ(p.issue, FormatIssue::TextOutsideAnswer) << text;
  }
}

TEST(RlAnswerFormat, R1ZeroHackingShapesGiveNoAnswer) {
  struct Case {
    const char* text;
    FormatIssue issue;
  };
  const Case cases[] = {
      {"<think>x</think> <answer>5</answer> <answer>6</answer>", FormatIssue::SeveralAnswers},
      {"<think>x</think> <answer>5 <answer>6</answer>", FormatIssue::SeveralAnswers},
      {"<think>x</think> <answer>5</answer></answer>", FormatIssue::SeveralAnswers},
      {"<think>x</think> <answer></answer>", FormatIssue::EmptyAnswer},
      {"<think>x</think> <answer> \n </answer>", FormatIssue::EmptyAnswer},
      {"<think><answer>5</answer></think>", FormatIssue::AnswerInThinking},
      {"<think><answer>5</answer></think> <answer>5</answer>", FormatIssue::AnswerInThinking},
      {"<think>maybe 5</answer></think> <answer>5</answer>", FormatIssue::AnswerInThinking},
  };
  for (const Case& c : cases) {
    const ParsedCompletion p = zero(c.text);
    EXPECT_FALSE(p.format_ok) << c.text;
    EXPECT_FALSE(p.has_answer) << c.text;
    EXPECT_EQ(p.answer, "") << c.text;
    EXPECT_EQ(p.issue, c.issue) << c.text << ": " << p.reason;
    EXPECT_TRUE(is_hacking_issue(p.issue)) << c.text;
  }
}

TEST(RlAnswerFormat, R1ZeroBrokenStructureGivesNoAnswer) {
  struct Case {
    const char* text;
    FormatIssue issue;
  };
  const Case cases[] = {
      {"", FormatIssue::MissingThinkClose},
      {"<answer>5</answer>", FormatIssue::MissingThinkClose},
      {"<think> thinking forever, truncated", FormatIssue::MissingThinkClose},
      {"<think>x</think> 5", FormatIssue::MissingAnswer},
      {"<think>x</think> <answer>5", FormatIssue::UnbalancedTags},
      {"<think>x</think> 5</answer>", FormatIssue::UnbalancedTags},
      {"<think>x</think> </answer>5<answer>", FormatIssue::UnbalancedTags},
      {"<think>x</think></think> <answer>5</answer>", FormatIssue::SeveralThinkTags},
      {"<think>x<think>y</think> <answer>5</answer>", FormatIssue::SeveralThinkTags},
      {"<think>x</think> <answer>5</answer> <think>y</think>", FormatIssue::SeveralThinkTags},
  };
  for (const Case& c : cases) {
    const ParsedCompletion p = zero(c.text);
    EXPECT_FALSE(p.format_ok) << c.text;
    EXPECT_FALSE(p.has_answer) << c.text;
    EXPECT_EQ(p.issue, c.issue) << c.text << ": " << p.reason;
    EXPECT_FALSE(is_hacking_issue(p.issue));
    EXPECT_FALSE(p.reason.empty());
  }
}

TEST(RlAnswerFormat, R1BoxedAfterTheThinking) {
  const ParsedCompletion p = r1("Let me add.\n</think>\n\nThe sum is \\boxed{\\frac{1}{2}}.");
  EXPECT_TRUE(p.format_ok) << p.reason;
  EXPECT_EQ(p.answer, "\\frac{1}{2}");
  EXPECT_EQ(p.thinking, "Let me add.");
  // A \boxed{} in the thinking is fine when the final one follows it.
  const ParsedCompletion q = r1("try \\boxed{4}? no.</think> \\boxed{ 5 }");
  EXPECT_TRUE(q.format_ok) << q.reason;
  EXPECT_EQ(q.answer, "5");
  // Templates that do not force <think>: the completion opens it.
  const ParsedCompletion o = r1("<think>x</think>\\boxed{5}", false);
  EXPECT_TRUE(o.format_ok) << o.reason;
}

TEST(RlAnswerFormat, R1FailuresGiveNoAnswer) {
  struct Case {
    const char* text;
    FormatIssue issue;
    bool hacking;
  };
  const Case cases[] = {
      {"x</think> \\boxed{5} or \\boxed{6}", FormatIssue::SeveralAnswers, true},
      {"the answer is \\boxed{5}</think> 5", FormatIssue::AnswerInThinking, true},
      {"x</think> \\boxed{}", FormatIssue::EmptyAnswer, true},
      {"x</think> \\boxed{  }", FormatIssue::EmptyAnswer, true},
      {"x</think> \\boxed{\\frac{1}{2}", FormatIssue::UnbalancedBraces, false},
      {"x</think> \\boxed{5", FormatIssue::UnbalancedBraces, false},
      {"x</think> the answer is 5", FormatIssue::MissingAnswer, false},
      {"x \\boxed{5}", FormatIssue::MissingThinkClose, false},
      {"x</think> y</think> \\boxed{5}", FormatIssue::SeveralThinkTags, false},
  };
  for (const Case& c : cases) {
    const ParsedCompletion p = r1(c.text);
    EXPECT_FALSE(p.format_ok) << c.text;
    EXPECT_FALSE(p.has_answer) << c.text;
    EXPECT_EQ(p.issue, c.issue) << c.text << ": " << p.reason;
    EXPECT_EQ(is_hacking_issue(p.issue), c.hacking) << c.text;
  }
}

TEST(RlAnswerFormat, LastBoxedAndPromptOpensThink) {
  EXPECT_EQ(*last_boxed("so \\boxed{1} then \\boxed{\\frac{a}{b}} end"), "\\frac{a}{b}");
  EXPECT_FALSE(last_boxed("no box"));
  EXPECT_FALSE(last_boxed("\\boxed{unclosed"));
  EXPECT_TRUE(prompt_opens_think("<｜Assistant｜><think>\n"));
  EXPECT_TRUE(prompt_opens_think("Assistant: <think>"));
  EXPECT_FALSE(prompt_opens_think("Assistant:"));
  EXPECT_FALSE(prompt_opens_think("<think>x</think>"));
}

TEST(RlAnswerFormat, TemplateNames) {
  EXPECT_EQ(parse_template_kind("r1-zero"), TemplateKind::R1Zero);
  EXPECT_EQ(parse_template_kind("r1"), TemplateKind::R1);
  EXPECT_STREQ(template_kind_name(TemplateKind::R1Zero), "r1-zero");
  try {
    parse_template_kind("chatml");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "unknown template 'chatml' (known: r1-zero, r1)");
  }
}

}  // namespace
}  // namespace r1::rl
