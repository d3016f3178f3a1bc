// Splits a reasoning model's output into `reasoning_content` (inside <think>...</think>) and
// `content` (after it), incrementally while text streams in, as the DeepSeek API does.
#pragma once

#include <string>
#include <string_view>

namespace r1 {

struct ReasoningDelta {
  std::string reasoning;
  std::string content;
};

class ReasoningParser {
 public:
  // think_forced: the chat template already emitted "<think>\n" at the end of the prompt (R1,
  // R1-Distill), so the output starts inside the reasoning and the opening tag never appears.
  // Otherwise the output is reasoning only if it opens with <think> (after optional
  // whitespace); anything else is content.
  explicit ReasoningParser(bool think_forced);

  // Feeds the next decoded text; returns what can be attributed now. A tag split across
  // chunks ("</th" + "ink>") is held back until it is complete or ruled out.
  ReasoningDelta push(std::string_view text);
  // End of output: releases anything held back.
  ReasoningDelta finish();

  bool in_reasoning() const { return state_ == State::Reasoning; }

  // Whole-text convenience: parse(text).reasoning / .content.
  static ReasoningDelta parse(std::string_view text, bool think_forced);

 private:
  enum class State { Start, Reasoning, Content };
  void emit(std::string& out, std::string_view text);

  State state_;
  std::string pending_;          // text not yet attributed (a possible partial tag)
  bool strip_newlines_ = false;  // drop the newlines that follow <think> and </think>
};

}  // namespace r1
