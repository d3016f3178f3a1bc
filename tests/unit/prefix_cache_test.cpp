// The server's prefix cache: an agent's growing conversation and requests sharing a system
// prompt decode exactly the tokens they decode without the cache (greedy and seeded samples)
// while prefilling only what follows the cached prefix; shared blocks are kept once and copied
// back bit for bit; least recently used leaf blocks go first within the budget, a partial block
// a longer sequence extends is replaced; the hits and bytes reach /metrics.
#include "infer/prefix_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/model_dir.h"
#include "infer/batch_decoder.h"
#include "serve_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

GenerationRequest request(std::vector<int32_t> prompt, int n, float temperature,
                          int64_t max_tokens) {
  GenerationRequest r;
  r.prompt = std::move(prompt);
  r.n = n;
  r.sampling.temperature = temperature;
  r.sampling.seed = 11;
  r.max_tokens = max_tokens;
  return r;
}

// Each request run to its end alone on `d`: its samples' tokens, in request order.
std::vector<std::vector<int32_t>> run_each(BatchDecoder& d,
                                           const std::vector<GenerationRequest>& requests) {
  std::vector<std::vector<int32_t>> out;
  for (const GenerationRequest& r : requests) {
    std::map<int64_t, std::vector<int32_t>> got;
    for (int64_t id : d.add(r)) got[id];
    while (d.size() > 0)
      for (const DecodeEvent& e : d.step()) got[e.sequence].push_back(e.token);
    for (auto& [id, tokens] : got) out.push_back(tokens);
  }
  return out;
}

class PrefixCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = test::make_temp_dir("prefix_cache") + "/v3";
    ASSERT_EQ(test::run_r1("init --preset tiny --dtype f32 --out " + path).exit_code, 0);
    dir_ = std::make_unique<ModelDir>(ModelDir::open(path));
    model_ = dir_->load_model();
  }
  KvCache cache_of(const std::vector<int32_t>& tokens) {
    KvCache c = model_->new_cache(int64_t(tokens.size()));
    model_->forward_batch({{tokens, &c}}, false);
    return c;
  }
  std::unique_ptr<ModelDir> dir_;
  std::unique_ptr<Model> model_;
};

TEST_F(PrefixCacheTest, ConversationTurnsAndSharedPromptsDecodeAsWithoutTheCache) {
  std::vector<int32_t> system;  // longer than a block: the conversations cross block edges
  for (int32_t i = 0; i < PrefixCache::kBlockTokens + 6; ++i) system.push_back(3 + (i * 37) % 200);
  // An agent loop: each turn's prompt is the last one, its reply and a new message.
  std::vector<GenerationRequest> requests;
  std::vector<int32_t> prompt = system;
  BatchDecoder plain(*model_, nullptr, {});
  for (int turn = 0; turn < 4; ++turn) {
    prompt.insert(prompt.end(), {int32_t(20 + turn), int32_t(30 + turn)});
    requests.push_back(request(prompt, 1, 0.0f, 6));
    const std::vector<int32_t> reply = run_each(plain, {requests.back()}).at(0);
    prompt.insert(prompt.end(), reply.begin(), reply.end());
  }
  // Other clients with the same system prompt; seeded samples forked from one prefill.
  for (int client = 0; client < 3; ++client) {
    std::vector<int32_t> p = system;
    p.push_back(int32_t(60 + client));
    requests.push_back(request(p, 2, 0.9f, 8));
  }
  requests.push_back(request(system, 1, 0.0f, 5));  // the whole prompt cached: its last recomputed

  BatchDecoder uncached(*model_, nullptr, {}), cached(*model_, nullptr, {}, 64 << 20);
  EXPECT_EQ(run_each(cached, requests), run_each(uncached, requests));
  const PrefixCacheStats& s = cached.prefix_cache_stats();
  EXPECT_EQ(s.lookups, int64_t(requests.size()));
  EXPECT_EQ(s.hits, int64_t(requests.size()) - 1);  // all but the first
  // Turn t > 0 reuses the previous prompt and reply but the reply's last token (sampled, never
  // fed), so all but its last 3 tokens; each client the system prompt; the last request all of
  // it but its last token.
  int64_t want = 0;
  for (size_t t = 1; t < 4; ++t) want += int64_t(requests[t].prompt.size()) - 3;
  want += 3 * int64_t(system.size()) + int64_t(system.size()) - 1;
  EXPECT_EQ(s.hit_tokens, want);
  EXPECT_GT(s.bytes, 0);
  EXPECT_LE(s.bytes, s.budget_bytes);
  EXPECT_EQ(uncached.prefix_cache_stats().hits, 0);
  EXPECT_EQ(uncached.prefix_cache_stats().blocks, 0);
}

TEST_F(PrefixCacheTest, RequestsArrivingTogetherPrefillTheirSharedPromptOnce) {
  std::vector<int32_t> system;
  for (int32_t i = 0; i < 2 * PrefixCache::kBlockTokens + 3; ++i)
    system.push_back(5 + (i * 53) % 300);
  std::vector<GenerationRequest> requests;
  for (int client = 0; client < 4; ++client) {
    std::vector<int32_t> p = system;
    p.insert(p.end(), {int32_t(40 + client), int32_t(7 * client + 1)});
    requests.push_back(request(p, client == 1 ? 2 : 1, 0.8f, 5));
  }
  auto run_together = [&](BatchDecoder& d) {
    std::map<int64_t, std::vector<int32_t>> got;
    for (const GenerationRequest& r : requests)
      for (int64_t id : d.add(r)) got[id];
    while (d.size() > 0)
      for (const DecodeEvent& e : d.step()) got[e.sequence].push_back(e.token);
    std::vector<std::vector<int32_t>> out;
    for (auto& [id, tokens] : got) out.push_back(tokens);
    return out;
  };
  BatchDecoder uncached(*model_, nullptr, {}), cached(*model_, nullptr, {}, 64 << 20);
  EXPECT_EQ(run_together(cached), run_together(uncached));
  // The first prompt is prefilled alone; the other three wait for it and reuse the system prompt.
  const PrefixCacheStats& s = cached.prefix_cache_stats();
  EXPECT_EQ(s.lookups, 4);
  EXPECT_EQ(s.hits, 3);
  EXPECT_EQ(s.hit_tokens, 3 * int64_t(system.size()));
}

// dst's keys and values at positions [from, to) are bit for bit src's at the same positions.
void expect_same_tokens(const KvCache& dst, const KvCache& src, int64_t from, int64_t to) {
  ASSERT_EQ(dst.layers.size(), src.layers.size());
  for (size_t l = 0; l < dst.layers.size(); ++l) {
    for (auto [d, s] : {std::pair{&dst.layers[l].k, &src.layers[l].k},
                        std::pair{&dst.layers[l].v, &src.layers[l].v}}) {
      if (!s->defined() || s->numel() == 0) continue;
      const int64_t per_token = s->numel() / s->dim(0);
      EXPECT_TRUE(std::equal(s->f32() + from * per_token, s->f32() + to * per_token,
                             d->f32() + from * per_token))
          << "layer " << l << " tokens " << from << ".." << to;
    }
  }
}

TEST_F(PrefixCacheTest, SharedBlocksAreKeptOnceAndCopiedBackBitForBit) {
  PrefixCache pc(
      64 << 20, [this](int64_t n) { return model_->new_cache(n); }, 4);
  const std::vector<int32_t> a = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
  const std::vector<int32_t> b = {5, 6, 7, 8, 9, 10, 11, 12, 99, 98, 97};
  const KvCache cache_a = cache_of(a), cache_b = cache_of(b);
  pc.keep(a, cache_a);  // blocks 5..8, 9..12, 13 14
  EXPECT_EQ(pc.stats().blocks, 3);
  pc.keep(b, cache_b);  // shares the first two blocks
  EXPECT_EQ(pc.stats().blocks, 4);
  EXPECT_EQ(pc.stats().stored_tokens, 13);

  KvCache dst = model_->new_cache(16);
  EXPECT_EQ(pc.reuse(b, 16, dst), 11);
  EXPECT_EQ(dst.length, 11);
  expect_same_tokens(dst, cache_a, 0, 8);  // the shared blocks were copied from a
  expect_same_tokens(dst, cache_b, 8, 11);
  KvCache part = model_->new_cache(16);
  EXPECT_EQ(pc.reuse({5, 6, 7, 8, 9, 6}, 16, part), 5);  // a block and part of the next
  expect_same_tokens(part, cache_a, 0, 5);
  KvCache capped = model_->new_cache(16);
  EXPECT_EQ(pc.reuse(a, 6, capped), 6);  // at most max_tokens
  KvCache none = model_->new_cache(16);
  EXPECT_EQ(pc.reuse({7, 7}, 16, none), 0);
  EXPECT_EQ(none.length, 0);

  // a one turn on: its partial block 13 14 is replaced by 13..16 and a new 17.
  const std::vector<int32_t> a_longer = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
  const KvCache cache_longer = cache_of(a_longer);
  pc.keep(a_longer, cache_longer);
  EXPECT_EQ(pc.stats().blocks, 5);
  KvCache again = model_->new_cache(16);
  EXPECT_EQ(pc.reuse(a_longer, 16, again), 13);
  expect_same_tokens(again, cache_a, 0, 8);
  expect_same_tokens(again, cache_longer, 8, 13);
  EXPECT_EQ(pc.stats().lookups, 5);
  EXPECT_EQ(pc.stats().hits, 4);
  EXPECT_EQ(pc.stats().hit_tokens, 11 + 5 + 6 + 13);
}

TEST_F(PrefixCacheTest, LeastRecentlyUsedLeavesGoFirstWithinTheBudget) {
  const int64_t block = model_->new_cache(4).allocated_bytes();
  PrefixCache pc(
      3 * block, [this](int64_t n) { return model_->new_cache(n); }, 4);
  const std::vector<int32_t> x = {1, 2, 3, 4, 5, 6, 7, 8}, y = {20, 21, 22, 23, 24, 25, 26, 27};
  pc.keep(x, cache_of(x));
  pc.keep(y, cache_of(y));  // its second block evicts x's leaf 5..8
  EXPECT_EQ(pc.stats().blocks, 3);
  EXPECT_EQ(pc.stats().bytes, 3 * block);
  KvCache dx = model_->new_cache(8);
  EXPECT_EQ(pc.reuse(x, 8, dx), 4);  // x's first block is now the most recently used
  pc.keep({40, 41, 42, 43}, cache_of({40, 41, 42, 43}));  // evicts y's leaf 24..27
  KvCache dy = model_->new_cache(8);
  EXPECT_EQ(pc.reuse(y, 8, dy), 4);
  KvCache dx2 = model_->new_cache(8);
  EXPECT_EQ(pc.reuse(x, 8, dx2), 4);
  // A sequence larger than the budget: every older block goes, then as much of it as fits.
  std::vector<int32_t> w;
  for (int32_t i = 0; i < 16; ++i) w.push_back(60 + i);
  pc.keep(w, cache_of(w));
  EXPECT_EQ(pc.stats().blocks, 3);
  EXPECT_LE(pc.stats().bytes, pc.stats().budget_bytes);
  KvCache dw = model_->new_cache(16);
  EXPECT_EQ(pc.reuse(w, 16, dw), 12);
  KvCache gone = model_->new_cache(8);
  EXPECT_EQ(pc.reuse(x, 8, gone), 0);

  PrefixCache off(
      0, [this](int64_t n) { return model_->new_cache(n); }, 4);
  off.keep(x, cache_of(x));
  EXPECT_EQ(off.stats().blocks, 0);
}

TEST(PrefixCacheServer, MetricsReportHitsAndBytes) {
  test::TestServer server;
  const Json chat = {{"messages", {{{"role", "user"}, {"content", "a long shared question"}}}},
                     {"max_tokens", 4},
                     {"temperature", 0}};
  const test::ClientResponse first = test::post_json(server.port(), "/v1/chat/completions", chat);
  const test::ClientResponse second = test::post_json(server.port(), "/v1/chat/completions", chat);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Json::parse(second.body).at("choices"), Json::parse(first.body).at("choices"));
  const std::string page = test::http_request(server.port(), "GET", "/metrics").body;
  EXPECT_EQ(test::metric_value(page, "r1_prefix_cache_lookups_total"), 2);
  EXPECT_EQ(test::metric_value(page, "r1_prefix_cache_hits_total"), 1);
  const int64_t prompt = Json::parse(first.body).at("usage").at("prompt_tokens").get<int64_t>();
  EXPECT_EQ(test::metric_value(page, "r1_prefix_cache_hit_tokens_total"), double(prompt - 1));
  EXPECT_GT(test::metric_value(page, "r1_prefix_cache_bytes"), 0);
  EXPECT_EQ(test::metric_value(page, "r1_prefix_cache_budget_bytes"), double(64 << 20));
}

}  // namespace
}  // namespace r1
