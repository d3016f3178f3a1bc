// `r1 info`: KV-cache bytes per token as cached and as a naive per-head cache, for R1's real
// shape (text and JSON) and a dense GQA model.
#include <gtest/gtest.h>

#include "io/json_file.h"
#include "test_util.h"

namespace r1 {
namespace {

TEST(InfoCli, R1KvCacheAsCachedAndNaive) {
  auto r = test::run_r1("info --preset deepseek-r1-671b --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["kv_cache_bytes_per_token"].get<int64_t>(), 61 * 576 * 4);              // 140.54 KB
  EXPECT_EQ(j["kv_cache_bytes_per_token_naive"].get<int64_t>(), 61 * 128 * 320 * 4);  // 9.99 MB
  r = test::run_r1("info --preset deepseek-r1-671b");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("kv cache:         140.54 KB per token (f32 latent + rope key: (512 + 64) "
                       "x 61 layers)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("naive: 9.99 MB per token (f32 per-head keys + values: 128 heads x "
                       "(192 + 128) x 61 layers), 71.1x the cached size"),
            std::string::npos)
      << r.out;
}

// V3.1 keeps V3's shape (its changes are the template and post-training): the same size math.
TEST(InfoCli, V31HasTheShapeOfV3) {
  const auto v31 = test::run_r1("info --preset deepseek-v3.1 --json");
  const auto v3 = test::run_r1("info --preset deepseek-v3-671b --json");
  ASSERT_EQ(v31.exit_code, 0) << v31.out;
  ASSERT_EQ(v3.exit_code, 0) << v3.out;
  Json a = Json::parse(v31.out), b = Json::parse(v3.out);
  EXPECT_EQ(a["source"], "preset deepseek-v3.1");
  a.erase("source"), b.erase("source");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.at("params_total").get<int64_t>(), 671026419200);
}

TEST(InfoCli, GqaNaiveCacheIsTheSame) {
  auto r = test::run_r1("info --preset r1-distill-qwen-1.5b --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Json j = Json::parse(r.out);
  // 28 layers x 2 (K, V) x 2 kv heads x 128 x f32.
  EXPECT_EQ(j["kv_cache_bytes_per_token"].get<int64_t>(), 28 * 2 * 2 * 128 * 4);
  EXPECT_EQ(j["kv_cache_bytes_per_token_naive"].get<int64_t>(), 28 * 2 * 2 * 128 * 4);
  r = test::run_r1("info --preset r1-distill-qwen-1.5b");
  EXPECT_NE(r.out.find("1.0x the cached size"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace r1
