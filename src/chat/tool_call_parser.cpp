// The tool-call state machine over the content stream: content, then a block of calls (header,
// name, optional ```json fence, arguments up to <｜tool▁call▁end｜>), each piece decided only
// once no later text can change it, so that any split of the output gives the same message.
#include "chat/tool_call_parser.h"

#include <algorithm>
#include <utility>

#include "core/error.h"

namespace r1 {

namespace {

using namespace tool_tokens;

constexpr std::string_view kTokens[] = {kCallsBegin, kCallsEnd,     kCallBegin,  kCallEnd,
                                        kSep,        kOutputsBegin, kOutputsEnd, kOutputBegin,
                                        kOutputEnd,  kEndOfSentence};
constexpr size_t kMaxTokenBytes = [] {
  size_t n = 0;
  for (std::string_view t : kTokens) n = std::max(n, t.size());
  return n;
}();
constexpr size_t kMaxHeaderBytes = 256;  // "function" or a V3.1 name, before <｜tool▁sep｜>
constexpr size_t kMaxNameBytes = 256;
constexpr std::string_view kSpace = " \t\r\n";
constexpr std::string_view kFence = "```";
constexpr std::string_view kFenceLanguage = "json";

enum class Kind { None, Partial, Full };
struct TokenAt {
  Kind kind = Kind::None;
  std::string_view token;
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Whether s is a proper prefix of `whole` (the empty string included).
bool proper_prefix_of(std::string_view s, std::string_view whole) {
  return s.size() < whole.size() && starts_with(whole, s);
}

// Which special token starts at s[pos] (Full), or whether s[pos:] may still become one
// (Partial: a proper prefix of a token, the empty rest included).
TokenAt token_at(std::string_view s, size_t pos) {
  const std::string_view rest = s.substr(pos);
  if (!rest.empty() && rest[0] != '<') return {};
  bool partial = false;
  for (std::string_view t : kTokens) {
    if (starts_with(rest, t)) return {Kind::Full, t};
    partial = partial || proper_prefix_of(rest, t);
  }
  return {partial ? Kind::Partial : Kind::None, {}};
}

// The first complete token of s (full, token), else where a partial one starts at the end.
struct TokenScan {
  size_t full = std::string_view::npos;
  std::string_view token;
  size_t partial = std::string_view::npos;
};
TokenScan scan_tokens(std::string_view s) {
  for (size_t p = s.find('<'); p != std::string_view::npos; p = s.find('<', p + 1)) {
    const TokenAt t = token_at(s, p);
    if (t.kind == Kind::Full) return {p, t.token, std::string_view::npos};
    if (t.kind == Kind::Partial) return {std::string_view::npos, {}, p};
  }
  return {};
}

size_t skip_space(std::string_view s, size_t pos) {
  return std::min(s.find_first_not_of(kSpace, pos), s.size());
}

std::string_view trim(std::string_view s) {
  const size_t a = skip_space(s, 0);
  const size_t b = s.find_last_not_of(kSpace);
  return a >= s.size() ? std::string_view() : s.substr(a, b + 1 - a);
}

std::string_view rtrim(std::string_view s) {
  const size_t b = s.find_last_not_of(kSpace);
  return b == std::string_view::npos ? std::string_view() : s.substr(0, b + 1);
}

// Where the arguments end: the first p such that s[p:] is, or may still become,
// whitespace, an optional ``` fence and whitespace, then a special token.
struct ArgsEnd {
  size_t at = 0;
  Kind kind = Kind::Partial;  // Full: a token at `end`; Partial: not decided yet
  std::string_view token;
  size_t end = 0;  // past the token
};
ArgsEnd find_args_end(std::string_view s) {
  const size_t n = s.size();
  for (size_t p = 0;;) {
    const size_t a = skip_space(s, p);  // every p in a run of spaces ends the same way
    size_t c = a;
    if (starts_with(s.substr(a), kFence)) {
      c = skip_space(s, a + kFence.size());
    } else if (a < n && proper_prefix_of(s.substr(a), kFence)) {
      return {p, Kind::Partial, {}, 0};
    }
    const TokenAt t = token_at(s, c);
    if (t.kind == Kind::Full) return {p, Kind::Full, t.token, c + t.token.size()};
    if (t.kind == Kind::Partial) return {p, Kind::Partial, {}, 0};
    p = a + 1;
  }
}

// The first bytes of s, quoted, cut at a UTF-8 character boundary.
std::string quoted_start(std::string_view s) {
  size_t n = std::min<size_t>(s.size(), 24);
  while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  std::string out = "\"";
  out.append(s.substr(0, n));
  out.append(n < s.size() ? "...\"" : "\"");
  return out;
}

}  // namespace

ToolCallParser::ToolCallParser(ToolCallOptions options)
    : options_(std::move(options)), reasoning_(options_.think_forced) {}

MessageDelta ToolCallParser::push(std::string_view text) {
  out_ = {};
  const ReasoningDelta d = reasoning_.push(text);
  out_.reasoning = d.reasoning;
  message_.reasoning += d.reasoning;
  feed(d.content, false);
  return std::exchange(out_, {});
}

MessageDelta ToolCallParser::finish() {
  out_ = {};
  const ReasoningDelta d = reasoning_.finish();
  out_.reasoning = d.reasoning;
  message_.reasoning += d.reasoning;
  feed(d.content, true);
  return std::exchange(out_, {});
}

AssistantMessage ToolCallParser::parse(std::string_view text, const ToolCallOptions& options) {
  ToolCallParser p(options);
  p.push(text);
  p.finish();
  return p.message();
}

void ToolCallParser::feed(std::string_view content, bool final) {
  pending_.append(content);
  while (step(final)) {
  }
}

bool ToolCallParser::step(bool final) {
  switch (state_) {
    case State::Content:
      return step_content(final);
    case State::Block:
      return step_block(final);
    case State::Header:
      return step_header(final);
    case State::Name:
      return step_name(final);
    case State::ArgsOpen:
      return step_args_open(final);
    case State::Args:
      return step_args(final);
    case State::Skip:
      return step_skip(final);
    case State::Failed:
      break;
  }
  pending_.clear();
  return false;
}

// Content up to a tool-call block; stray special tokens are dropped, and whitespace that may
// precede a block waits until the next text decides.
bool ToolCallParser::step_content(bool final) {
  const TokenScan scan = scan_tokens(pending_);
  if (scan.full != std::string::npos) {
    const std::string_view before = std::string_view(pending_).substr(0, scan.full);
    const bool opens = scan.token == kCallsBegin || scan.token == kCallBegin;
    emit_content(opens ? rtrim(before) : before);
    pending_.erase(0, scan.full + scan.token.size());
    if (opens && !options_.tools_enabled) {
      state_ = State::Skip;
    } else if (scan.token == kCallsBegin) {
      state_ = State::Block;
    } else if (scan.token == kCallBegin) {
      ++calls_started_;
      state_ = State::Header;
    }
    return true;
  }
  size_t keep = final ? pending_.size() : std::min(scan.partial, pending_.size());
  if (!final) keep = rtrim(std::string_view(pending_).substr(0, keep)).size();
  emit_content(std::string_view(pending_).substr(0, keep));
  pending_.erase(0, keep);
  return false;
}

// Tools disabled: a tool-call block is dropped up to its <｜tool▁calls▁end｜>.
bool ToolCallParser::step_skip(bool final) {
  const TokenScan scan = scan_tokens(pending_);
  if (scan.full != std::string::npos) {
    pending_.erase(0, scan.full + scan.token.size());
    if (scan.token == kCallsEnd) {
      block_closed_ = true;
      skip_space_ = true;
      state_ = State::Content;
    }
    return true;
  }
  pending_.erase(0, final ? pending_.size() : std::min(scan.partial, pending_.size()));
  return false;
}

// Between calls: whitespace, then the next call or the end of the block.
bool ToolCallParser::step_block(bool final) {
  pending_.erase(0, skip_space(pending_, 0));
  if (pending_.empty()) return false;
  const TokenAt t = token_at(pending_, 0);
  if (t.kind == Kind::Partial && !final) return false;
  if (t.token == kCallBegin) {
    pending_.erase(0, t.token.size());
    ++calls_started_;
    state_ = State::Header;
    return true;
  }
  if (t.token == kCallsEnd || t.token == kEndOfSentence) {
    pending_.erase(0, t.token.size());
    block_closed_ = true;
    skip_space_ = true;
    state_ = State::Content;
    return true;
  }
  fail("unexpected " + (t.kind == Kind::Full ? std::string(t.token) : std::string("text")) +
       " in the tool-call block; expected " + std::string(kCallBegin) + " or " +
       std::string(kCallsEnd));
  return false;
}

// From <｜tool▁call▁begin｜> to <｜tool▁sep｜>: "function" (R1) or the name (V3.1).
bool ToolCallParser::step_header(bool final) {
  const TokenScan scan = scan_tokens(pending_);
  if (scan.full != std::string::npos && scan.full <= kMaxHeaderBytes) {
    if (scan.token != kSep) {
      fail(call_label() + ": " + std::string(scan.token) + " before " + std::string(kSep));
      return false;
    }
    const std::string head(trim(std::string_view(pending_).substr(0, scan.full)));
    pending_.erase(0, scan.full + kSep.size());
    if (options_.format == ToolCallFormat::V3_1) {
      start_call(head);
      return state_ != State::Failed;
    }
    if (head != "function") {
      fail(call_label() + ": expected \"function\" before " + std::string(kSep) + ", got " +
           quoted_start(head) + " (DeepSeek-V3.1's format?)");
      return false;
    }
    state_ = State::Name;
    return true;
  }
  if (scan.full != std::string::npos || pending_.size() >= kMaxHeaderBytes + kMaxTokenBytes) {
    fail(call_label() + ": no " + std::string(kSep) + " within " + std::to_string(kMaxHeaderBytes) +
         " bytes");
  } else if (final) {
    fail("the output ended inside " + call_label());
  }
  return false;
}

// R1: the name after <｜tool▁sep｜>, up to the newline before the fence.
bool ToolCallParser::step_name(bool final) {
  const size_t a = skip_space(pending_, 0);
  const size_t e = pending_.find_first_of(" \t\r\n`<{", a);
  const size_t length = (e == std::string::npos ? pending_.size() : e) - a;
  if (length > kMaxNameBytes) {
    fail(call_label() + ": function name longer than " + std::to_string(kMaxNameBytes) + " bytes");
  } else if (e != std::string::npos) {
    const std::string name = pending_.substr(a, length);
    pending_.erase(0, e);
    start_call(name);
    return state_ != State::Failed;
  } else if (final) {
    fail("the output ended inside " + call_label());
  }
  return false;
}

// Before the arguments: an optional ```json (or ```) fence, decided only once it cannot grow.
bool ToolCallParser::step_args_open(bool final) {
  pending_.erase(0, skip_space(pending_, 0));
  if (pending_.empty()) {
    if (final) fail("the output ended inside " + call_label());
    return false;
  }
  const std::string_view s = pending_;
  if (starts_with(s, kFence)) {
    const std::string_view rest = s.substr(kFence.size());
    if (!final && proper_prefix_of(rest, kFenceLanguage)) return false;
    pending_.erase(0,
                   kFence.size() + (starts_with(rest, kFenceLanguage) ? kFenceLanguage.size() : 0));
  } else if (!final && proper_prefix_of(s, kFence)) {
    return false;
  }
  state_ = State::Args;
  return true;
}

// The arguments, streamed up to the (fence and) <｜tool▁call▁end｜> that closes them.
bool ToolCallParser::step_args(bool final) {
  if (arguments_.empty()) pending_.erase(0, skip_space(pending_, 0));
  const ArgsEnd end = find_args_end(pending_);
  emit_arguments(std::string_view(pending_).substr(0, end.at));
  if (end.kind == Kind::Full) {
    if (end.token != kCallEnd) {
      fail(call_label() + ": " + std::string(end.token) + " inside the arguments; expected " +
           std::string(kCallEnd));
      return false;
    }
    pending_.erase(0, end.end);
    end_call();
    return state_ != State::Failed;
  }
  pending_.erase(0, end.at);
  if (final) fail("the output ended inside the arguments of " + call_label());
  return false;
}

void ToolCallParser::emit_content(std::string_view text) {
  if (skip_space_) {
    text.remove_prefix(skip_space(text, 0));
    if (text.empty()) return;
    skip_space_ = false;
  }
  out_.content.append(text);
  message_.content.append(text);
}

void ToolCallParser::start_call(const std::string& name) {
  if (name.empty()) return fail(call_label() + ": empty function name");
  const std::vector<std::string>& known = options_.tool_names;
  if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end())
    return fail(call_label() + ": unknown function \"" + name + "\" (not in the request's tools)");
  name_ = name;
  arguments_.clear();
  state_ = State::ArgsOpen;
  const size_t index = calls_started_ - 1;
  out_.tool_calls.push_back({index, tool_call_id(options_.id_seed, index), name, ""});
}

void ToolCallParser::emit_arguments(std::string_view piece) {
  if (piece.empty()) return;
  arguments_.append(piece);
  const size_t index = calls_started_ - 1;
  if (out_.tool_calls.empty() || out_.tool_calls.back().index != index)
    out_.tool_calls.push_back({index, "", "", ""});
  out_.tool_calls.back().arguments.append(piece);
}

// A call without arguments gets "{}"; anything else must be a JSON object as written.
void ToolCallParser::end_call() {
  if (arguments_.empty()) emit_arguments("{}");
  try {
    const OrderedJson args = parse_ordered_json(call_label() + " arguments", arguments_);
    if (!args.is_object())
      return fail(call_label() + ": arguments must be a JSON object, got " +
                  std::string(args.type_name()));
  } catch (const FormatError& e) {
    return fail(e.what());
  }
  message_.tool_calls.push_back(
      {tool_call_id(options_.id_seed, calls_started_ - 1), name_, arguments_});
  name_.clear();
  arguments_.clear();
  state_ = State::Block;
}

void ToolCallParser::fail(const std::string& why) {
  if (message_.error.empty()) message_.error = why;
  state_ = State::Failed;
  pending_.clear();
}

std::string ToolCallParser::call_label() const {
  std::string label = "tool call " + std::to_string(calls_started_ - 1);
  if (!name_.empty()) label += " (" + name_ + ")";
  return label;
}

}  // namespace r1
