// `r1 bench`: the JSON keys of llama-bench-like results, skipped tests and bad arguments.
#include <gtest/gtest.h>

#include "io/json_file.h"
#include "test_util.h"

namespace r1 {
namespace {

TEST(BenchCli, JsonHasPromptAndGenerationRates) {
  const std::string dir = test::make_temp_dir("bench");
  ASSERT_EQ(test::run_r1("init --preset tiny-qwen2 --out " + dir).exit_code, 0);
  auto r = test::run_r1("bench --model " + dir + " -p 8 -n 4 -r 2 -t 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Json j = Json::parse(r.out);
  EXPECT_GT(j["pp_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["tg_tokens_per_s"].get<double>(), 0);
  EXPECT_EQ(j["threads"].get<int>(), 1);
  r = test::run_r1("bench --model " + dir + " -p 0 -n 2 -r 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_FALSE(Json::parse(r.out).contains("pp_tokens_per_s"));
  r = test::run_r1("bench --model " + dir + " -p 4 -n 2 -r 1");
  EXPECT_NE(r.out.find("| pp4 |"), std::string::npos) << r.out;
  EXPECT_EQ(test::run_r1("bench --model " + dir + " -p 0 -n 0").exit_code, 2);
  EXPECT_EQ(test::run_r1("bench --model " + dir + " -t 0").exit_code, 2);
}

// The KV cache is sized to the test's tokens and RSS is at least weights + KV cache.
TEST(BenchCli, ReportsKvBytesAndRss) {
  const std::string dir = test::make_temp_dir("bench");
  ASSERT_EQ(test::run_r1("init --preset tiny-qwen2 --out " + dir).exit_code, 0);
  auto r = test::run_r1("bench --model " + dir + " -p 8 -n 4 -r 1 -t 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  Json j = Json::parse(r.out);
  const int64_t per_token = j["kv_bytes_per_token"].get<int64_t>();
  EXPECT_EQ(per_token, 2 * 2 * 2 * 16 * 4);  // layers x (K, V) x kv heads x head_dim x f32
  EXPECT_EQ(j["kv_bytes_per_token_naive"].get<int64_t>(), per_token);  // GQA: the same
  EXPECT_EQ(j["kv_cache_tokens"].get<int64_t>(), 4);  // the generation test, not the context
  EXPECT_EQ(j["kv_cache_bytes"].get<int64_t>(), 4 * per_token);
  const Json info = Json::parse(test::run_r1("info --model " + dir + " --json").out);
  EXPECT_EQ(j["weights_bytes"].get<int64_t>(), info["weight_bytes"].get<int64_t>());
  const int64_t rss = j["rss_bytes"].get<int64_t>();
  EXPECT_GE(j["rss_peak_bytes"].get<int64_t>(), rss);
  EXPECT_GE(rss, j["weights_bytes"].get<int64_t>() + j["kv_cache_bytes"].get<int64_t>());
  EXPECT_LE(j["rss_file_bytes"].get<int64_t>() + j["rss_anon_bytes"].get<int64_t>(), rss);

  // MLA with an MTP layer, prompt test only: the cache holds the prompt in every layer.
  ASSERT_EQ(test::run_r1("init --preset tiny --out " + dir + "/v3").exit_code, 0);
  r = test::run_r1("bench --model " + dir + "/v3 -p 6 -n 0 -r 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  j = Json::parse(r.out);
  EXPECT_EQ(j["kv_cache_tokens"].get<int64_t>(), 6);
  EXPECT_GT(j["kv_bytes_per_token_naive"].get<int64_t>(), j["kv_bytes_per_token"].get<int64_t>());
  EXPECT_GT(j["kv_cache_bytes"].get<int64_t>(), 6 * j["kv_bytes_per_token"].get<int64_t>());

  r = test::run_r1("bench --model " + dir + " -p 4 -n 2 -r 1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* part : {"kv cache: ", "naive: ", "peak RSS", "RSS after tg2",
                           "expected: weights", "KV cache 1.02 KB (2 tokens x 512.00 B"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
}

}  // namespace
}  // namespace r1
