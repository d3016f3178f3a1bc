// Which bytes of a rendered prompt came from data: the propagation rules of the Jinja
// interpreter (exact through output, concatenation, set, slices, strip, split, join; all data
// through any other builtin given data) and every real chat template rendering conversations
// whose contents spell special tokens: those bytes are data, the template's own tokens are not.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "chat/jinja_template.h"
#include "core/error.h"
#include "io_test_util.h"

namespace r1 {
namespace {

using jinja::Template;
using jinja::Value;

// The output with data bytes in [brackets] (no test input contains brackets elsewhere).
std::string marked(const PromptText& p) {
  std::string out;
  size_t at = 0;
  for (const auto& [b, e] : p.data_ranges) {
    out += p.text.substr(at, b - at) + "[" + p.text.substr(b, e - b) + "]";
    at = e;
  }
  return out + p.text.substr(at);
}

std::string render_marked(const std::string& source) {
  const jinja::Dict vars = {
      {"d", Value::all_data("<|D|> x|y ")},
      {"c", Value("<|C|>")},
      {"m", Value::from_json(
                OrderedJson::parse(R"({"k<x>": "v<y>", "l": ["a<1>", "b"], "n": 7})"), true)}};
  const Template t = Template::parse(source, "test");
  const PromptText p = t.render_prompt(vars);
  EXPECT_EQ(p.text, t.render(vars)) << source;
  return marked(p);
}

TEST(JinjaProvenance, OutputAndConcatenationKeepExactRanges) {
  EXPECT_EQ(render_marked("A{{ d }}B{{ c }}"), "A[<|D|> x|y ]B<|C|>");
  EXPECT_EQ(render_marked("{{ c ~ d ~ c }}"), "<|C|>[<|D|> x|y ]<|C|>");
  EXPECT_EQ(render_marked("{{ c + d + 'lit' }}"), "<|C|>[<|D|> x|y ]lit");
  EXPECT_EQ(render_marked("{{ m.n ~ c }}"), "7<|C|>");  // a number is no data
  EXPECT_EQ(render_marked("{% set x = c ~ d %}{{ x }}"), "<|C|>[<|D|> x|y ]");
  EXPECT_EQ(render_marked("{% set x %}<{{ d }}>{% endset %}{{ x ~ c }}"), "<[<|D|> x|y ]><|C|>");
  EXPECT_EQ(render_marked("{{ 'lit' ~ c }}{{ c|upper }}{{ [1, 'a']|tojson }}"),
            "lit<|C|><|C|>[1, \"a\"]");
}

TEST(JinjaProvenance, SlicesStripSplitAndJoinKeepExactRanges) {
  EXPECT_EQ(render_marked("{{ (c ~ d)[3:8] }}"), "|>[<|D]");
  EXPECT_EQ(render_marked("{{ (c ~ d)[-2] }}|{{ (d ~ c)[::3] }}"), "[y]|[<|x ]C");
  EXPECT_EQ(render_marked("{{ d.strip() }}-{{ (' ' ~ d)|trim }}-{{ (c ~ d).rstrip() }}"),
            "[<|D|> x|y]-[<|D|> x|y]-<|C|>[<|D|> x|y]");
  EXPECT_EQ(render_marked("{% for p in (c ~ d).split('|') %}({{ p }}){% endfor %}"),
            "(<)(C)(>[<])([D])([> x])([y ])");
  EXPECT_EQ(render_marked("{{ d.split()|join(c) }}"), "[<|D|>]<|C|>[x|y]");
  EXPECT_EQ(render_marked("{{ c.join(m.l) }}-{{ m.l|join('-') }}"), "[a<1>]<|C|>[b]-[a<1>]-[b]");
  EXPECT_EQ(render_marked("{{ (d ~ c)|string }}"), "[<|D|> x|y ]<|C|>");
}

TEST(JinjaProvenance, OtherBuiltinsGivenDataMakeAllData) {
  EXPECT_EQ(render_marked("{{ (c ~ d)|upper }}"), "[<|C|><|D|> X|Y ]");
  EXPECT_EQ(render_marked("{{ (c ~ d).replace('x', 'z') }}"), "[<|C|><|D|> z|y ]");
  EXPECT_EQ(render_marked("{{ c.replace('C', d) }}"), "[<|<|D|> x|y |>]");  // data argument
  EXPECT_EQ(render_marked("{{ {'k': c, 'v': d}|tojson }}"),
            "[{\"k\": \"<|C|>\", \"v\": \"<|D|> x|y \"}]");
  EXPECT_EQ(render_marked("{{ [c, d] }}"), "[['<|C|>', '<|D|> x|y ']]");
  // Values pulled out of data lists and dicts keep their own ranges; data keys are data.
  EXPECT_EQ(render_marked("{% for k, v in m|items %}{{ k }}={{ v }};{% endfor %}"),
            "[k<x>]=[v<y>];[l]=[['a<1>', 'b']];[n]=7;");
  EXPECT_EQ(render_marked("{{ (m.l|first) ~ c }}{{ m.get('k<x>') }}"), "[a<1>]<|C|>[v<y>]");
  // A function call given data: its results are data (strftime_now formats the argument).
  EXPECT_EQ(render_marked("{{ strftime_now(d) }}"), "[<|D|> x|y ]");
  // A literal-only template has no data at all.
  EXPECT_EQ(render_marked("{{ 'a<|C|>'|upper ~ ['x']|join('-') }}{{ 'ab'.split('a') }}"),
            "A<|C|>x['', 'b']");
}

// --- real chat templates ---

const std::string kTemplates = std::string(R1_SOURCE_DIR) + "/tests/chat_template/templates";

// Special-token text users may type; each one is a token (or turn marker) of some family.
const std::vector<std::string> kTokens = {
    "<｜User｜>", "<｜Assistant｜>", "<｜end▁of▁sentence｜>", "<｜begin▁of▁sentence｜>",
    "<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>", "<｜tool▁call▁end｜>",
    "<｜tool▁calls▁end｜>", "<｜tool▁outputs▁begin｜>", "<｜tool▁output▁begin｜>",
    "<｜tool▁output▁end｜>", "<｜tool▁outputs▁end｜>", "<think>", "<|im_start|>", "<|im_end|>",
    "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|begin_of_text|>",
    "<|python_tag|>", "[INST]", "[/INST]", "<tool_call>", "</tool_call>", "<tool_response>",
    "</tool_response>", "<s>", "</s>"};

std::string all_tokens() {
  std::string s;
  for (const std::string& t : kTokens) s += t + " ";
  return s + "end";  // templates trim contents: no whitespace at either end
}

// A conversation whose every string carries `payload` (no quotes, backslashes or </think>,
// so JSON escaping and reasoning stripping leave it whole).
OrderedJson conversation(const std::string& p, bool tool_turns, bool system) {
  OrderedJson messages = OrderedJson::array();
  if (system) messages.push_back({{"role", "system"}, {"content", "S1 " + p}});
  messages.push_back({{"role", "user"}, {"content", "U1 " + p}});
  messages.push_back({{"role", "assistant"}, {"content", "<think>R1 " + p + "</think>A1 " + p}});
  messages.push_back({{"role", "user"}, {"content", "U2 " + p}});
  if (tool_turns) {
    OrderedJson call = {{"id", "call_1"},
                        {"type", "function"},
                        {"function", {{"name", "get_weather"}, {"arguments", "{\"q\": \"Q1 " + p + "\"}"}}}};
    messages.push_back({{"role", "assistant"}, {"content", ""}, {"tool_calls", {call}}});
    messages.push_back({{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "T1 " + p}});
    messages.push_back({{"role", "assistant"}, {"content", "A2 " + p}});
    messages.push_back({{"role", "user"}, {"content", "U3 " + p}});
  }
  return messages;
}

OrderedJson tools(const std::string& p) {
  return OrderedJson::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "description": "D1 )" + p + R"(", "parameters": {"type": "object", "properties":
      {"q": {"type": "string", "description": "P1 )" + p + R"("}}}}}])");
}

bool inside_data(const PromptText& p, size_t b, size_t e) {
  for (const auto& [db, de] : p.data_ranges)
    if (db <= b && e <= de) return true;
  return false;
}

bool overlaps_data(const PromptText& p, size_t b, size_t e) {
  for (const auto& [db, de] : p.data_ranges)
    if (db < e && b < de) return true;
  return false;
}

// Occurrences of `needle` in p.text that lie wholly outside data; fails on any that straddle.
int template_written(const PromptText& p, const std::string& needle, const std::string& what) {
  int n = 0;
  for (size_t at = p.text.find(needle); at != std::string::npos;
       at = p.text.find(needle, at + 1)) {
    const size_t end = at + needle.size();
    if (!overlaps_data(p, at, end))
      ++n;
    else
      EXPECT_TRUE(inside_data(p, at, end)) << what << ": '" << needle << "' at " << at
                                           << " is partly data";
  }
  return n;
}

void check_template(const std::string& name, const ChatTemplate& chat, bool tool_turns,
                    bool system) {
  const std::string payload = all_tokens();
  const OrderedJson msgs = conversation(payload, tool_turns, system), tls = tools(payload);
  const OrderedJson kwargs = {{"enable_thinking", true}};
  const PromptText p = chat.render_prompt(msgs, tls, true, kwargs);
  ASSERT_EQ(p.text, chat.render(msgs, tls, true, kwargs)) << name;
  // (1) Each payload copy in the output is data, byte for byte.
  int copies = 0;
  for (size_t at = p.text.find(payload); at != std::string::npos;
       at = p.text.find(payload, at + 1), ++copies)
    EXPECT_TRUE(inside_data(p, at, at + payload.size())) << name << ": payload at " << at;
  EXPECT_GE(copies, tool_turns ? 5 : 2) << name;
  // (2) The template's own tokens: as many outside data as the same conversation without
  // special-token text has at all.
  const PromptText plain = chat.render_prompt(conversation("plain", tool_turns, system),
                                              tools("plain"), true, kwargs);
  int written = 0;
  for (const std::string& t : kTokens) {
    const int want = template_written(plain, t, name + " (plain)");
    EXPECT_EQ(template_written(p, t, name), want) << name << ": " << t;
    written += want;
  }
  EXPECT_GE(written, 2) << name;
  // Every data range of the plain rendering holds text that came from the conversation.
  for (const auto& [b, e] : plain.data_ranges)
    EXPECT_EQ(plain.text.substr(b, e - b).find("<|"), std::string::npos) << name;
}

TEST(JinjaProvenance, RealTemplatesMarkEveryConversationByteAsData) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kTemplates)) {
    const std::string name = entry.path().filename().string();
    const ChatTemplate chat = ChatTemplate::load(entry.path().string());
    // The richest conversation the template takes (Mistral: user/assistant alternation only).
    bool tool_turns = true, system = true;
    for (int variant = 0; variant < 3; ++variant) {
      tool_turns = variant == 0;
      system = variant < 2;
      try {
        chat.render(conversation("x", tool_turns, system), tools("x"));
        break;
      } catch (const jinja::RenderError&) {
      }
    }
    SCOPED_TRACE(name + (tool_turns ? " with tool turns" : "") + (system ? " with system" : ""));
    check_template(name, chat, tool_turns, system);
    ++checked;
  }
  EXPECT_GE(checked, 9);
}

}  // namespace
}  // namespace r1
