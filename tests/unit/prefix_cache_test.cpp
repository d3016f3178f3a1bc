// The server's prefix cache: an agent's growing conversation and requests sharing a system
// prompt decode exactly the tokens they decode without the cache (greedy and seeded samples)
// while prefilling only what follows the cached prefix; least recently used caches go first
// within the budget, a cache its successor extends is dropped, one larger than the budget is not
// kept; the hits and bytes reach /metrics.
#include "infer/prefix_cache.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "checkpoint/model_dir.h"
#include "infer/batch_decoder.h"
#include "serve_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

GenerationRequest request(std::vector<int32_t> prompt, int n, float temperature, int64_t max_tokens) {
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
  const std::vector<int32_t> system = {5, 17, 3, 250, 9, 100, 42, 7, 7, 311, 12, 13};
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
  EXPECT_EQ(uncached.prefix_cache_stats().entries, 0);
}

TEST_F(PrefixCacheTest, LeastRecentlyUsedGoFirstAndExtendedCachesAreDropped) {
  const std::vector<int32_t> a = {5, 6, 7, 8}, b = {9, 10, 11, 12}, c = {13, 14, 15, 16};
  const std::vector<int32_t> c_longer = {13, 14, 15, 16, 17, 18};
  const int64_t one = cache_of(a).allocated_bytes();
  const int64_t longer_bytes = cache_of(c_longer).allocated_bytes();
  PrefixCache pc(one + longer_bytes);  // room for 2 of a, b, c, not 3
  pc.keep(a, cache_of(a));
  pc.keep(b, cache_of(b));
  KvCache dst = model_->new_cache(8);
  EXPECT_EQ(pc.reuse({5, 6, 7, 99}, 8, dst), 3);  // a is now the most recently used
  EXPECT_EQ(dst.length, 3);
  pc.keep(c, cache_of(c));  // evicts b
  EXPECT_EQ(pc.stats().entries, 2);
  EXPECT_EQ(pc.stats().bytes, 2 * one);
  KvCache other = model_->new_cache(8);
  EXPECT_EQ(pc.reuse(b, 8, other), 0);
  EXPECT_EQ(other.length, 0);
  EXPECT_EQ(pc.reuse(c, 2, other), 2);  // at most max_tokens
  // A cache whose tokens extend a kept one replaces it (and fits beside a).
  pc.keep(c_longer, cache_of(c_longer));
  EXPECT_EQ(pc.stats().entries, 2);
  EXPECT_EQ(pc.stats().bytes, one + longer_bytes);
  // Larger than the whole budget: not kept, nothing evicted.
  std::vector<int32_t> huge(64, 3);
  pc.keep(huge, cache_of(huge));
  EXPECT_EQ(pc.stats().entries, 2);
  EXPECT_EQ(pc.stats().hits, 2);
  EXPECT_EQ(pc.stats().lookups, 3);
  EXPECT_EQ(pc.stats().hit_tokens, 5);
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
