// libFuzzer target for ToolCallParser: arbitrary output text (bytes 3.. of the input) with the
// options from byte 0 (format, forced <think>, tools disabled, a tools list, piece size) and two
// cut points from bytes 1-2. Invariants: the whole text and the same text streamed in pieces
// give the same message; the deltas add up to it (each call's first delta has its id and name,
// its arguments are the pieces joined); with tools disabled there are no calls and no error;
// the message's JSON can always be written.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "chat/tool_call_parser.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool same(const r1::AssistantMessage& a, const r1::AssistantMessage& b) {
  if (a.reasoning != b.reasoning || a.content != b.content || a.error != b.error ||
      a.tool_calls.size() != b.tool_calls.size())
    return false;
  for (size_t i = 0; i < a.tool_calls.size(); ++i) {
    const r1::ToolCall &x = a.tool_calls[i], &y = b.tool_calls[i];
    if (x.id != y.id || x.name != y.name || x.arguments != y.arguments) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t flags = data[0];
  r1::ToolCallOptions o;
  o.format = (flags & 1) ? r1::ToolCallFormat::V3_1 : r1::ToolCallFormat::R1;
  o.think_forced = (flags & 2) != 0;
  o.tools_enabled = (flags & 4) == 0;
  if (flags & 8) o.tool_names = {"f", "get_weather"};
  o.id_seed = flags;
  const std::string_view text(reinterpret_cast<const char*>(data) + 3, size - 3);
  const r1::AssistantMessage whole = r1::ToolCallParser::parse(text, o);
  if (!o.tools_enabled) check(whole.tool_calls.empty() && whole.error.empty());
  (void)r1::assistant_message_json(whole).dump(-1, ' ', false,
                                               r1::OrderedJson::error_handler_t::replace);

  // Streamed: the text up to cut 1, then pieces of `step` bytes up to cut 2, then the rest.
  size_t c1 = data[1] * text.size() / 255, c2 = data[2] * text.size() / 255;
  if (c1 > c2) std::swap(c1, c2);
  const size_t step = size_t(flags >> 4) + 1;
  r1::ToolCallParser p(o);
  std::string reasoning, content;
  std::map<size_t, r1::ToolCall> calls;
  auto take = [&](const r1::MessageDelta& d) {
    reasoning += d.reasoning;
    content += d.content;
    for (const r1::ToolCallDelta& c : d.tool_calls) {
      const bool first = calls.count(c.index) == 0;
      check(first == !c.id.empty() && first == !c.name.empty());
      if (first) calls[c.index] = {c.id, c.name, ""};
      calls[c.index].arguments += c.arguments;
    }
  };
  take(p.push(text.substr(0, c1)));
  for (size_t i = c1; i < c2; i += step) take(p.push(text.substr(i, std::min(step, c2 - i))));
  take(p.push(text.substr(c2)));
  take(p.finish());
  const r1::AssistantMessage& streamed = p.message();
  check(same(streamed, whole));
  check(reasoning == streamed.reasoning && content == streamed.content);
  for (size_t i = 0; i < streamed.tool_calls.size(); ++i) {
    check(calls.count(i) == 1);
    const r1::ToolCall& c = calls.at(i);
    check(c.id == streamed.tool_calls[i].id && c.name == streamed.tool_calls[i].name &&
          c.arguments == streamed.tool_calls[i].arguments);
  }
  check(p.has_tool_calls() == (!whole.tool_calls.empty() && whole.error.empty()));
  return 0;
}
