// Session: the KV cache kept across turns. Turn 2 prefills only what follows the prefix shared
// with the cache and decodes exactly what a fresh generation on the whole turn-2 prompt does;
// the cache grows as needed up to the context size, which cuts replies and rejects prompts.
#include "infer/session.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "checkpoint/model_dir.h"
#include "test_util.h"

namespace r1 {
namespace {

struct Fixture {
  std::string dir;
  std::unique_ptr<Model> model;
  explicit Fixture(const char* preset) : dir(test::make_temp_dir("session")) {
    EXPECT_EQ(test::run_r1(std::string("init --preset ") + preset + " --out " + dir).exit_code, 0);
    model = ModelDir::open(dir).load_model();
  }
};

GenerationRequest greedy(std::vector<int32_t> prompt, int64_t max_tokens) {
  GenerationRequest r;
  r.prompt = std::move(prompt);
  r.sampling.temperature = 0.0f;
  r.max_tokens = max_tokens;
  return r;
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

int64_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  int64_t n = 0;
  while (n < int64_t(std::min(a.size(), b.size())) && a[size_t(n)] == b[size_t(n)]) ++n;
  return n;
}

TEST(Session, SecondTurnPrefillsOnlyTheNewTokensAndMatchesAFreshRun) {
  for (const char* preset : {"tiny", "tiny-qwen2"}) {
    Fixture f(preset);
    const Generator fresh(*f.model, nullptr, {});
    Session s(*f.model, nullptr, {}, 256);
    const std::vector<int32_t> a = {72, 101, 108, 108, 111, 10, 20};
    TurnStats st;
    const Completion c1 = s.generate(greedy(a, 8), {}, &st);
    EXPECT_EQ(c1.tokens, fresh.generate(greedy(a, 8))[0].tokens) << preset;
    EXPECT_EQ(st.reused_tokens, 0);
    EXPECT_EQ(st.prefilled_tokens, int64_t(a.size()));
    // The cache holds the prompt and every reply token but the last (never fed).
    const std::vector<int32_t> fed =
        concat(a, std::vector<int32_t>(c1.tokens.begin(), c1.tokens.end() - 1));
    EXPECT_EQ(s.cached_tokens(), fed);
    EXPECT_EQ(s.cache().length, int64_t(fed.size()));

    // Next turns: one that extends the cache; then as a chat template renders them, a history
    // that diverges from the cache inside the reply (R1 drops the reasoning) followed by a new
    // user message; then one that diverges inside the first prompt.
    const std::vector<int32_t> turns[] = {
        concat(fed, {c1.tokens.back(), 5, 6}),
        concat(concat(a, {c1.tokens[0], c1.tokens[1], 250}), {33, 44, 55, 66}),
        concat({72, 101, 108, 108}, {90, 91, 92}),
    };
    std::vector<int64_t> reused;
    for (const auto& b : turns) {
      const int64_t common = common_prefix(s.cached_tokens(), b);
      const Completion c2 = s.generate(greedy(b, 10), {}, &st);
      EXPECT_EQ(st.prompt_tokens, int64_t(b.size()));
      EXPECT_EQ(st.reused_tokens, common) << preset;
      EXPECT_EQ(st.prefilled_tokens, int64_t(b.size()) - common) << preset;
      EXPECT_EQ(c2.tokens, fresh.generate(greedy(b, 10))[0].tokens) << preset;
      reused.push_back(st.reused_tokens);
    }
    EXPECT_EQ(reused[0], int64_t(fed.size()));
    EXPECT_GE(reused[1], int64_t(a.size()) + 2);
    EXPECT_EQ(reused[2], 4);
  }
}

TEST(Session, SamePromptAgainRecomputesOnlyItsLastToken) {
  Fixture f("tiny");
  Session s(*f.model, nullptr, {}, 64);
  const std::vector<int32_t> a = {1, 2, 3, 4, 5};
  TurnStats st;
  const Completion first = s.generate(greedy(a, 6), {}, &st);
  const Completion again = s.generate(greedy(a, 6), {}, &st);
  EXPECT_EQ(again.tokens, first.tokens);
  EXPECT_EQ(st.reused_tokens, 4);
  EXPECT_EQ(st.prefilled_tokens, 1);
  s.clear();
  EXPECT_EQ(s.cache().length, 0);
  EXPECT_EQ(s.generate(greedy(a, 6), {}, &st).tokens, first.tokens);
  EXPECT_EQ(st.reused_tokens, 0);
}

TEST(Session, CacheGrowsWithTheConversationUpToTheContextSize) {
  Fixture f("tiny-qwen2");
  Session s(*f.model, nullptr, {}, 1000);
  EXPECT_EQ(s.cache().allocated_bytes(), 0);
  const std::vector<int32_t> a = {1, 2, 3, 4, 5, 6, 7};
  s.generate(greedy(a, 20));
  EXPECT_GE(s.cache().capacity, s.cache().length);
  EXPECT_LE(s.cache().capacity, 2 * (int64_t(a.size()) + 20));  // doubling, not 1000
  EXPECT_EQ(s.cache().allocated_bytes(),
            s.cache().capacity * KvCache::bytes_per_token(f.model->config()));
}

TEST(Session, FullContextCutsTheReplyAndRejectsLongerPrompts) {
  Fixture f("tiny");
  const std::vector<int32_t> a = {9, 8, 7, 6, 5, 4, 3, 2};
  const Completion free_run = Generator(*f.model, nullptr, {}).generate(greedy(a, 10))[0];
  Session s(*f.model, nullptr, {}, 10);
  TurnStats st;
  const Completion cut = s.generate(greedy(a, 10), {}, &st);
  // 8 prompt tokens + 2 fed reply tokens fill the context; the third reply token still comes
  // from the last logits.
  ASSERT_EQ(cut.tokens.size(), 3u);
  EXPECT_EQ(cut.tokens, std::vector<int32_t>(free_run.tokens.begin(), free_run.tokens.begin() + 3));
  EXPECT_EQ(cut.finish_reason, "length");
  EXPECT_TRUE(st.context_full);
  EXPECT_EQ(s.cache().capacity, 10);

  const std::vector<int32_t> before = s.cached_tokens();
  try {
    s.generate(greedy(concat(a, {1, 2, 3}), 4));
    FAIL() << "an 11-token prompt in a 10-token context must throw";
  } catch (const ContextFullError& e) {
    EXPECT_NE(std::string(e.what()).find("11 tokens"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("10 tokens"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.cached_tokens(), before);
  EXPECT_THROW(Session(*f.model, nullptr, {}, 0), UsageError);
  GenerationRequest two = greedy(a, 2);
  two.n = 2;
  EXPECT_THROW(s.generate(two), UsageError);
}

}  // namespace
}  // namespace r1
