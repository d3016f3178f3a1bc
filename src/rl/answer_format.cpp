// Format checks for R1-Zero (<think>/<answer> tags) and R1 (</think> then \boxed{}) completions.
// Strict on purpose: a completion that is ambiguous about its answer gets no answer at all.
#include "rl/answer_format.h"

#include "core/error.h"

namespace r1::rl {

namespace {

constexpr std::string_view kThinkOpen = "<think>", kThinkClose = "</think>";
constexpr std::string_view kAnswerOpen = "<answer>", kAnswerClose = "</answer>";
constexpr std::string_view kBoxed = "\\boxed{";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool only_space(std::string_view s) { return trim(s).empty(); }

size_t count(std::string_view s, std::string_view needle) {
  size_t n = 0;
  for (size_t at = s.find(needle); at != std::string_view::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

ParsedCompletion fail(FormatIssue issue, const std::string& reason) {
  ParsedCompletion p;
  p.issue = issue;
  p.reason = reason;
  return p;
}

// The text after the thinking, or an issue. Sets out.thinking.
bool split_thinking(std::string_view text, bool prompt_opens_think, ParsedCompletion& out,
                    std::string_view& rest) {
  std::string_view body = text;
  const std::string_view lead = trim(text);
  bool opened_here = false;
  if (!prompt_opens_think && lead.substr(0, kThinkOpen.size()) == kThinkOpen) {
    body = lead.substr(kThinkOpen.size());
    opened_here = true;
  }
  if (count(body, kThinkOpen) > 0) {
    if (prompt_opens_think || opened_here) {
      out = fail(FormatIssue::SeveralThinkTags, prompt_opens_think
                                                    ? "<think> again after the prompt opened it"
                                                    : "<think> appears more than once");
    } else {
      out = fail(FormatIssue::MissingThinkOpen, "text before <think>");
    }
    return false;
  }
  const size_t closes = count(body, kThinkClose);
  if (closes == 0) {
    out = fail(FormatIssue::MissingThinkClose, "no </think>: the completion never ends its thinking");
    return false;
  }
  if (closes > 1) {
    out = fail(FormatIssue::SeveralThinkTags, "</think> appears more than once");
    return false;
  }
  const size_t close = body.find(kThinkClose);
  out.thinking = std::string(trim(body.substr(0, close)));
  rest = body.substr(close + kThinkClose.size());
  if (!prompt_opens_think && !opened_here) {
    out.issue = FormatIssue::MissingThinkOpen;
    out.reason = "the completion does not start with <think>";
  }
  return true;
}

void parse_answer_tags(std::string_view rest, ParsedCompletion& out) {
  if (count(out.thinking, kAnswerOpen) + count(out.thinking, kAnswerClose) > 0) {
    out = fail(FormatIssue::AnswerInThinking, "<answer> or </answer> inside the thinking");
    return;
  }
  const size_t opens = count(rest, kAnswerOpen), closes = count(rest, kAnswerClose);
  if (opens == 0 && closes == 0) {
    out = fail(FormatIssue::MissingAnswer, "no <answer>...</answer> after </think>");
    return;
  }
  if (opens > 1 || closes > 1) {
    out = fail(FormatIssue::SeveralAnswers, "several <answer> tags");
    return;
  }
  const size_t open = rest.find(kAnswerOpen), close = rest.find(kAnswerClose);
  if (opens != 1 || closes != 1 || close < open) {
    out = fail(FormatIssue::UnbalancedTags, opens == 0   ? "</answer> without <answer>"
                                            : closes == 0 ? "<answer> without </answer>"
                                                          : "</answer> before <answer>");
    return;
  }
  const std::string_view answer = trim(rest.substr(open + kAnswerOpen.size(),
                                                   close - open - kAnswerOpen.size()));
  if (answer.empty()) {
    out = fail(FormatIssue::EmptyAnswer, "empty <answer></answer>");
    return;
  }
  out.answer = std::string(answer);
  out.has_answer = true;
  if (!only_space(rest.substr(0, open)) || !only_space(rest.substr(close + kAnswerClose.size()))) {
    out.issue = FormatIssue::TextOutsideAnswer;
    out.reason = "text outside <think>...</think> <answer>...</answer>";
  }
}

// The text inside the \boxed{ that starts at `at`, up to its matching '}'.
std::optional<std::string_view> boxed_content(std::string_view text, size_t at) {
  const size_t start = at + kBoxed.size();
  int depth = 1;
  for (size_t end = start; end < text.size(); ++end) {
    if (text[end] == '{') ++depth;
    if (text[end] == '}' && --depth == 0) return text.substr(start, end - start);
  }
  return std::nullopt;
}

void parse_boxed(std::string_view rest, ParsedCompletion& out) {
  const size_t boxes = count(rest, kBoxed);
  if (boxes == 0) {
    out = count(out.thinking, kBoxed) > 0
              ? fail(FormatIssue::AnswerInThinking, "\\boxed{} only inside the thinking")
              : fail(FormatIssue::MissingAnswer, "no \\boxed{} after </think>");
    return;
  }
  if (boxes > 1) {
    out = fail(FormatIssue::SeveralAnswers, "several \\boxed{} after </think>");
    return;
  }
  const std::optional<std::string_view> content = boxed_content(rest, rest.find(kBoxed));
  if (!content) {
    out = fail(FormatIssue::UnbalancedBraces, "\\boxed{ without its closing brace");
    return;
  }
  const std::string_view answer = trim(*content);
  if (answer.empty()) {
    out = fail(FormatIssue::EmptyAnswer, "empty \\boxed{}");
    return;
  }
  out.answer = std::string(answer);
  out.has_answer = true;
}

}  // namespace

TemplateKind parse_template_kind(const std::string& name) {
  if (name == "r1-zero") return TemplateKind::R1Zero;
  if (name == "r1") return TemplateKind::R1;
  throw UsageError("unknown template " + quote_untrusted(name) + " (known: r1-zero, r1)");
}

const char* template_kind_name(TemplateKind kind) {
  return kind == TemplateKind::R1Zero ? "r1-zero" : "r1";
}

const char* format_issue_name(FormatIssue issue) {
  switch (issue) {
    case FormatIssue::None: return "none";
    case FormatIssue::MissingThinkOpen: return "missing_think_open";
    case FormatIssue::SeveralThinkTags: return "several_think_tags";
    case FormatIssue::MissingThinkClose: return "missing_think_close";
    case FormatIssue::MissingAnswer: return "missing_answer";
    case FormatIssue::SeveralAnswers: return "several_answers";
    case FormatIssue::AnswerInThinking: return "answer_in_thinking";
    case FormatIssue::EmptyAnswer: return "empty_answer";
    case FormatIssue::UnbalancedTags: return "unbalanced_tags";
    case FormatIssue::UnbalancedBraces: return "unbalanced_braces";
    case FormatIssue::TextOutsideAnswer: return "text_outside_answer";
  }
  return "unknown";
}

bool is_hacking_issue(FormatIssue issue) {
  return issue == FormatIssue::SeveralAnswers || issue == FormatIssue::AnswerInThinking ||
         issue == FormatIssue::EmptyAnswer;
}

ParsedCompletion parse_completion(std::string_view completion, TemplateKind kind,
                                  bool prompt_opens_think) {
  ParsedCompletion out;
  std::string_view rest;
  if (!split_thinking(completion, prompt_opens_think, out, rest)) return out;
  const FormatIssue think_issue = out.issue;
  const std::string think_reason = out.reason, thinking = out.thinking;
  out.issue = FormatIssue::None;
  out.reason.clear();
  if (kind == TemplateKind::R1Zero) {
    parse_answer_tags(rest, out);
  } else {
    parse_boxed(rest, out);
  }
  out.thinking = thinking;
  // A missing <think> matters less than any problem with the answer, so it is reported only
  // when the answer itself is fine.
  if (out.has_answer && out.issue == FormatIssue::None && think_issue != FormatIssue::None) {
    out.issue = think_issue;
    out.reason = think_reason;
  }
  out.format_ok = out.has_answer && out.issue == FormatIssue::None;
  return out;
}

std::optional<std::string> last_boxed(std::string_view text) {
  const size_t at = text.rfind(kBoxed);
  if (at == std::string_view::npos) return std::nullopt;
  const std::optional<std::string_view> content = boxed_content(text, at);
  if (!content) return std::nullopt;
  return std::string(*content);
}

bool prompt_opens_think(std::string_view prompt) {
  const std::string_view t = trim(prompt);
  return t.size() >= kThinkOpen.size() && t.substr(t.size() - kThinkOpen.size()) == kThinkOpen;
}

}  // namespace r1::rl
