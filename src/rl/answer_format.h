// Splits a completion into its thinking and its final answer for the two prompt templates, and
// says why when the completion does not follow the format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace r1::rl {

enum class TemplateKind {
  R1Zero,  // <think> ... </think> <answer> ... </answer>
  R1,      // ... </think> then a final answer with exactly one \boxed{...}
};
// "r1-zero" / "r1"; UsageError naming the known names otherwise.
TemplateKind parse_template_kind(const std::string& name);
const char* template_kind_name(TemplateKind kind);

enum class FormatIssue {
  None,
  MissingThinkOpen,   // the prompt did not open <think> and the completion does not either
  SeveralThinkTags,   // more than one <think> or </think>
  MissingThinkClose,  // never leaves the thinking (also: truncated completions)
  MissingAnswer,      // no <answer> / \boxed{} after the thinking
  SeveralAnswers,     // several <answer> tags or several \boxed{} after the thinking
  AnswerInThinking,   // answer tags (R1-Zero) or \boxed{} (R1, with none after) in the thinking
  EmptyAnswer,        // the answer is empty or only whitespace
  UnbalancedTags,     // <answer> without </answer>, or the reverse, or in the wrong order
  UnbalancedBraces,   // \boxed{ without its closing brace
  TextOutsideAnswer,  // R1-Zero: text other than whitespace before or after <answer>...</answer>
};
const char* format_issue_name(FormatIssue issue);

// Issues that a policy could exploit to collect accuracy reward without committing to one
// answer: several answers, an answer hidden in the thinking, an empty answer.
bool is_hacking_issue(FormatIssue issue);

struct ParsedCompletion {
  bool format_ok = false;   // the completion follows the template exactly
  bool has_answer = false;  // one unambiguous answer was found (it may be scored for accuracy)
  std::string thinking;     // the text between <think> and </think>
  std::string answer;       // the final answer, trimmed of surrounding whitespace
  FormatIssue issue = FormatIssue::None;
  std::string reason;  // the issue in words; empty when format_ok
};

// completion: the generated text (special tokens such as EOS removed). prompt_opens_think: the
// prompt already ends with "<think>" (R1's chat template forces it), so the completion starts
// inside the thinking and must not open it again; otherwise the completion must start with
// "<think>" after optional whitespace.
ParsedCompletion parse_completion(std::string_view completion, TemplateKind kind,
                                  bool prompt_opens_think);

// The content of the last \boxed{...} in `text` (braces balanced), nullopt if there is none.
std::optional<std::string> last_boxed(std::string_view text);

// Whether a rendered prompt ends with "<think>" (trailing whitespace ignored).
bool prompt_opens_think(std::string_view prompt);

}  // namespace r1::rl
