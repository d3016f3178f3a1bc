// Incremental <think> ... </think> splitting with held-back partial tags.
#include "chat/reasoning_parser.h"

#include <algorithm>

namespace r1 {

namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

// Length of the longest suffix of `text` that is a proper prefix of `tag`.
size_t partial_tag_suffix(std::string_view text, std::string_view tag) {
  for (size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n)
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  return 0;
}

}  // namespace

ReasoningParser::ReasoningParser(bool think_forced)
    : state_(think_forced ? State::Reasoning : State::Start), strip_newlines_(think_forced) {}

void ReasoningParser::emit(std::string& out, std::string_view text) {
  if (strip_newlines_) {
    const size_t first = text.find_first_not_of('\n');
    if (first == std::string_view::npos) return;
    text.remove_prefix(first);
    strip_newlines_ = false;
  }
  out.append(text);
}

ReasoningDelta ReasoningParser::push(std::string_view text) {
  ReasoningDelta out;
  pending_.append(text);
  while (true) {
    if (state_ == State::Start) {
      const size_t ws = std::min(pending_.find_first_not_of(" \t\r\n"), pending_.size());
      const std::string_view rest = std::string_view(pending_).substr(ws);
      if (rest.substr(0, kOpen.size()) == kOpen) {
        pending_.erase(0, ws + kOpen.size());
        state_ = State::Reasoning;
        strip_newlines_ = true;
        continue;
      }
      if (kOpen.substr(0, rest.size()) == rest) return out;  // still possibly "<think>"
      state_ = State::Content;
      continue;
    }
    if (state_ == State::Reasoning) {
      const size_t close = pending_.find(kClose);
      if (close != std::string::npos) {
        emit(out.reasoning, std::string_view(pending_).substr(0, close));
        pending_.erase(0, close + kClose.size());
        state_ = State::Content;
        strip_newlines_ = true;
        continue;
      }
      const size_t keep = partial_tag_suffix(pending_, kClose);
      emit(out.reasoning, std::string_view(pending_).substr(0, pending_.size() - keep));
      pending_.erase(0, pending_.size() - keep);
      return out;
    }
    emit(out.content, pending_);
    pending_.clear();
    return out;
  }
}

ReasoningDelta ReasoningParser::finish() {
  ReasoningDelta out;
  if (state_ == State::Reasoning) {
    emit(out.reasoning, pending_);
  } else {
    emit(out.content, pending_);
  }
  pending_.clear();
  return out;
}

ReasoningDelta ReasoningParser::parse(std::string_view text, bool think_forced) {
  ReasoningParser p(think_forced);
  ReasoningDelta all = p.push(text);
  const ReasoningDelta tail = p.finish();
  all.reasoning += tail.reasoning;
  all.content += tail.content;
  return all;
}

}  // namespace r1
