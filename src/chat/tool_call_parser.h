// Turns a DeepSeek model's raw output (special tokens as text) into an OpenAI assistant
// message: reasoning, content and tool calls, on the whole text or incrementally as it streams
// in, with deltas shaped like OpenAI's delta.tool_calls. `r1 parse` and the server share it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat/assistant_message.h"
#include "chat/reasoning_parser.h"
#include "chat/tool_call_format.h"

namespace r1 {

// One piece of one call: the first piece of a call carries its id and name (and whatever of
// its arguments is known), the later ones only more of the arguments.
struct ToolCallDelta {
  size_t index = 0;
  std::string id, name;   // set in the call's first delta only
  std::string arguments;  // the next piece of function.arguments
};

struct MessageDelta {
  std::string reasoning, content;
  std::vector<ToolCallDelta> tool_calls;  // at most one per call, in index order
  bool empty() const { return reasoning.empty() && content.empty() && tool_calls.empty(); }
};

struct ToolCallOptions {
  ToolCallFormat format = ToolCallFormat::R1;
  // The prompt ended with "<think>\n" (ChatTemplate::forces_think()): see ReasoningParser.
  bool think_forced = false;
  // false (no tools, tool_choice "none"): a tool-call block is dropped (up to its
  // <｜tool▁calls▁end｜>), never shown as content, and no call is reported.
  bool tools_enabled = true;
  // The request's function names; a call to any other is an error. Empty: any name.
  std::vector<std::string> tool_names;
  uint64_t id_seed = 0;  // tool_call_id(id_seed, index) names the calls
};

class ToolCallParser {
 public:
  explicit ToolCallParser(ToolCallOptions options);

  // Feeds the next piece of output text (any size; a token or the fence may be split across
  // pieces): what can be attributed now. Text that may still turn out to be markup (a partial
  // token, whitespace before a possible tool-call block) is held back until it is decided.
  MessageDelta push(std::string_view text);
  // End of output: releases what was held back; a call left open becomes an error.
  MessageDelta finish();

  // Everything so far: the concatenation of the deltas, the complete calls and any error.
  const AssistantMessage& message() const { return message_; }
  // finish_reason "tool_calls" is right: at least one complete call and no error.
  bool has_tool_calls() const { return !message_.tool_calls.empty() && message_.error.empty(); }
  // Still inside <think> (the server counts those tokens as reasoning tokens).
  bool in_reasoning() const { return reasoning_.in_reasoning(); }
  // The tool-call block was closed (<｜tool▁calls▁end｜>): generation may stop here.
  bool block_closed() const { return block_closed_; }

  // Whole-text convenience: push(text), finish(), message().
  static AssistantMessage parse(std::string_view text, const ToolCallOptions& options);

 private:
  enum class State { Content, Skip, Block, Header, Name, ArgsOpen, Args, Failed };
  bool step(bool final);  // consumes from pending_; false when it needs more text
  bool step_content(bool final);
  bool step_skip(bool final);
  bool step_block(bool final);
  bool step_header(bool final);
  bool step_name(bool final);
  bool step_args_open(bool final);
  bool step_args(bool final);
  void feed(std::string_view content, bool final);
  void emit_content(std::string_view text);
  void start_call(const std::string& name);
  void emit_arguments(std::string_view piece);
  void end_call();
  void fail(const std::string& why);
  std::string call_label() const;  // "tool call 0 (get_weather)"

  ToolCallOptions options_;
  ReasoningParser reasoning_;
  AssistantMessage message_;
  MessageDelta out_;     // the delta being built by push() / finish()
  std::string pending_;  // content text not consumed yet
  State state_ = State::Content;
  bool skip_space_ = false;  // drop whitespace before the next content (after a block)
  bool block_closed_ = false;
  size_t calls_started_ = 0;  // index of the call being parsed = calls_started_ - 1
  std::string name_;          // the current call's name
  std::string arguments_;     // the current call's arguments so far
};

}  // namespace r1
