// Generator: batch of n greedy samples == one greedy sample == argmax of full-sequence logits;
// seeded sampling is reproducible; stop tokens, stop strings, max_tokens; streamed text equals
// the final text.
#include "infer/generator.h"

#include <gtest/gtest.h>

#include "checkpoint/model_dir.h"
#include "byte_tokenizer.h"
#include "core/error.h"
#include "test_util.h"

namespace r1 {
namespace {

struct Fixture {
  std::string dir;
  std::unique_ptr<Model> model;
  Tokenizer tok = test::byte_tokenizer({{"<eos>", true}});
  explicit Fixture(const char* preset) : dir(test::make_temp_dir("genr")) {
    EXPECT_EQ(test::run_r1(std::string("init --preset ") + preset + " --out " + dir).exit_code, 0);
    model = ModelDir::open(dir).load_model();
  }
};

GenerationRequest greedy_request(int n, int64_t max_tokens) {
  GenerationRequest r;
  r.prompt = {72, 101, 108, 108, 111};
  r.n = n;
  r.sampling.temperature = 0.0f;
  r.max_tokens = max_tokens;
  return r;
}

TEST(Generator, GreedyBatchEqualsSingleEqualsFullSequenceArgmax) {
  for (const char* preset : {"tiny", "tiny-qwen2"}) {
    Fixture f(preset);
    Generator g(*f.model, &f.tok, {});
    const auto one = g.generate(greedy_request(1, 12));
    const auto four = g.generate(greedy_request(4, 12));
    ASSERT_EQ(one[0].tokens.size(), 12u);
    for (const auto& c : four) EXPECT_EQ(c.tokens, one[0].tokens) << preset;
    EXPECT_EQ(one[0].finish_reason, "length");
    // Independent path: argmax of full-sequence logits, no cache, one token at a time.
    std::vector<int32_t> seq = greedy_request(1, 1).prompt;
    const int64_t V = f.model->config().vocab_size;
    for (size_t i = 0; i < 12; ++i) {
      const Tensor l = f.model->forward(seq, 0, nullptr);
      seq.push_back(argmax(l.f32() + (l.dim(0) - 1) * V, f.tok.vocab_size()));
      EXPECT_EQ(seq.back(), one[0].tokens[i]) << preset << " step " << i;
    }
  }
}

TEST(Generator, SeededSamplingIsReproducibleAndSamplesDiffer) {
  Fixture f("tiny");
  Generator g(*f.model, &f.tok, {});
  GenerationRequest r = greedy_request(3, 16);
  r.sampling.temperature = 1.5f;
  r.sampling.top_p = 1.0f;
  r.sampling.seed = 42;
  const auto a = g.generate(r), b = g.generate(r);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].tokens, b[i].tokens);
  EXPECT_NE(a[0].tokens, a[1].tokens);
  // Sample i of a batch is the same as a lone run with seed + i.
  GenerationRequest lone = r;
  lone.n = 1;
  lone.sampling.seed = 43;
  EXPECT_EQ(g.generate(lone)[0].tokens, a[1].tokens);
}

TEST(Generator, ManyPromptsInOneBatchEqualEachPromptAlone) {
  for (const char* preset : {"tiny", "tiny-qwen2"}) {
    Fixture f(preset);
    Generator g(*f.model, &f.tok, {});
    GenerationRequest a = greedy_request(2, 10), b = greedy_request(3, 6);
    b.prompt = {87, 111, 114, 108, 100, 33, 32};  // a longer prompt than a's
    b.sampling.temperature = 1.2f;
    b.sampling.seed = 9;
    const auto many = g.generate_many({a, b});
    ASSERT_EQ(many.size(), 2u);
    ASSERT_EQ(many[0].size(), 2u);
    ASSERT_EQ(many[1].size(), 3u);
    const auto alone_a = g.generate(a), alone_b = g.generate(b);
    for (size_t i = 0; i < 2; ++i) EXPECT_EQ(many[0][i].tokens, alone_a[i].tokens) << preset;
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(many[1][i].tokens, alone_b[i].tokens) << preset;
    EXPECT_EQ(many[1][0].tokens.size(), 6u);
  }
}

TEST(Generator, StopTokensStopStringsAndStreaming) {
  Fixture f("tiny");
  const auto free_run = Generator(*f.model, &f.tok, {}).generate(greedy_request(1, 24))[0];
  // A stop id: the third greedy token ends the sample, and is kept in tokens but not in text.
  Generator stopping(*f.model, &f.tok, {free_run.tokens[2]});
  const auto s = stopping.generate(greedy_request(1, 24))[0];
  EXPECT_EQ(s.finish_reason, "stop");
  EXPECT_EQ(s.tokens, std::vector<int32_t>(free_run.tokens.begin(), free_run.tokens.begin() + 3));
  // A stop string taken from the middle of the free-running text.
  const std::string text = free_run.text;
  ASSERT_GT(text.size(), 8u);
  GenerationRequest r = greedy_request(1, 24);
  r.stop_strings = {text.substr(5, 3)};
  std::string streamed;
  const auto cut = Generator(*f.model, &f.tok, {}).generate(
      r, [&](int i, const std::string& piece) {
        EXPECT_EQ(i, 0);
        streamed += piece;
      })[0];
  EXPECT_EQ(cut.finish_reason, "stop");
  EXPECT_EQ(cut.text, text.substr(0, text.find(r.stop_strings[0])));
  EXPECT_EQ(streamed, cut.text);
}

TEST(Generator, RejectsBadRequests) {
  Fixture f("tiny");
  Generator g(*f.model, &f.tok, {});
  GenerationRequest r = greedy_request(1, 4);
  r.n = 0;
  EXPECT_THROW(g.generate(r), Error);
  r = greedy_request(1, 0);
  EXPECT_THROW(g.generate(r), Error);
  r = greedy_request(1, 4);
  r.prompt = {5000};
  EXPECT_THROW(g.generate(r), Error);
}

}  // namespace
}  // namespace r1
