// KvCache: bytes per token as cached and naive (R1's published shapes), allocated bytes, and
// truncate / reserve giving the same logits as a cache that never changed.
#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include "checkpoint/model_dir.h"
#include "checkpoint/presets.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

TEST(KvCache, BytesPerTokenOfR1AsCachedAndNaive) {
  const ModelConfig& r1 = find_preset("deepseek-r1-671b").config;
  // 61 layers; latent 512 + rope key 64 = 576 floats vs 128 heads x (K 128+64, V 128).
  EXPECT_EQ(KvCache::bytes_per_token(r1), 61 * 576 * 4);
  EXPECT_EQ(KvCache::naive_bytes_per_token(r1), 61 * 128 * (192 + 128) * 4);
  // Dense GQA models are cached per kv head, as transformers does.
  const ModelConfig& qwen = find_preset("r1-distill-qwen-1.5b").config;
  EXPECT_EQ(KvCache::bytes_per_token(qwen),
            qwen.num_hidden_layers * 2 * qwen.num_key_value_heads * qwen.head_dim * 4);
  EXPECT_EQ(KvCache::naive_bytes_per_token(qwen), KvCache::bytes_per_token(qwen));
}

TEST(KvCache, AllocatedBytesCountEveryLayerIncludingMtp) {
  const ModelConfig& qwen = find_preset("tiny-qwen2").config;
  EXPECT_EQ(KvCache::create(qwen, 10).allocated_bytes(), 10 * KvCache::bytes_per_token(qwen));
  const ModelConfig& v3 = find_preset("tiny").config;
  ASSERT_GT(v3.num_nextn_predict_layers, 0);
  EXPECT_EQ(KvCache::create(v3, 10).allocated_bytes(),
            10 * (v3.num_hidden_layers + v3.num_nextn_predict_layers) *
                (v3.kv_lora_rank + v3.qk_rope_head_dim) * 4);
  EXPECT_EQ(KvCache::create(v3, 0).allocated_bytes(), 0);
}

TEST(KvCache, TruncateAndReserveKeepTheLogitsOfAFreshCache) {
  for (const char* preset : {"tiny", "tiny-qwen2"}) {
    const std::string dir = test::make_temp_dir("kvc");
    ASSERT_EQ(test::run_r1(std::string("init --preset ") + preset + " --out " + dir).exit_code, 0);
    const auto model = ModelDir::open(dir).load_model();
    const std::vector<int32_t> head = {3, 1, 4, 1, 5}, tail = {9, 2, 6}, other = {7, 7};
    std::vector<int32_t> all = head;
    all.insert(all.end(), tail.begin(), tail.end());

    KvCache fresh = KvCache::create(model->config(), 8);
    const Tensor expected = model->forward(all, 0, &fresh);  // [8, V]

    // A cache as small as the head, grown, then a wrong continuation cut off again.
    KvCache grown = KvCache::create(model->config(), 5);
    model->forward(head, 0, &grown);
    grown.reserve(7);
    EXPECT_EQ(grown.capacity, 7);
    model->forward(other, 5, &grown);
    grown.truncate(5);
    EXPECT_EQ(grown.length, 5);
    grown.reserve(8);
    grown.reserve(4);  // never shrinks
    EXPECT_EQ(grown.capacity, 8);
    const Tensor got = model->forward(tail, 5, &grown);  // [3, V]
    const int64_t V = model->config().vocab_size;
    const Tensor want = Tensor::view(DType::F32, {3, V}, expected.f32() + 5 * V, expected.owner);
    EXPECT_LT(test::max_relative_error(got, want), 1e-5) << preset;
  }
}

}  // namespace
}  // namespace r1
