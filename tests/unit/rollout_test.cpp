// Rollouts: packing into training rows (mask exactly on the completion predictions), length-
// sorted micro-batches, and reproducible group-major sampling with a stream per sample.
#include "rl/rollout.h"

#include <gtest/gtest.h>

#include "checkpoint/model_dir.h"
#include "model/model.h"
#include "test_util.h"

namespace r1::rl {
namespace {

Rollout make_rollout(int64_t group, std::vector<int32_t> prompt, std::vector<int32_t> completion) {
  Rollout r;
  r.group = group;
  r.prompt = std::move(prompt);
  r.completion.tokens = std::move(completion);
  return r;
}

TEST(Rollout, PacksPromptPlusCompletionWithTheMaskOnCompletionPredictions) {
  const std::vector<Rollout> rs = {make_rollout(0, {1, 2, 3}, {4, 5}),
                                   make_rollout(0, {1, 2, 3}, {6, 7, 8, 9}),
                                   make_rollout(1, {10}, {11})};
  const TrainBatch b = pack_rollouts(rs, {1, 0, 2}, 0);
  ASSERT_EQ(b.B, 3);
  ASSERT_EQ(b.T, 6);  // longest: 3 + 4 = 7 tokens
  const std::vector<int32_t> tokens = {1, 2, 3, 6, 7, 8, 9,  //
                                       1, 2, 3, 4, 5, 0, 0,  //
                                       10, 11, 0, 0, 0, 0, 0};
  EXPECT_EQ(b.tokens, tokens);
  const std::vector<uint8_t> mask = {0, 0, 1, 1, 1, 1,  // predicts 6, 7, 8, 9
                                     0, 0, 1, 1, 0, 0,  // predicts 4, 5
                                     1, 0, 0, 0, 0, 0};  // predicts 11
  EXPECT_EQ(b.mask, mask);
}

TEST(Rollout, MicroBatchesAreLengthSortedAndCoverEveryRollout) {
  std::vector<Rollout> rs;
  for (int i = 0; i < 7; ++i) rs.push_back(make_rollout(0, {1}, std::vector<int32_t>(size_t(i % 4 + 1), 2)));
  const auto micro = length_sorted_micro_batches(rs, 3);
  ASSERT_EQ(micro.size(), 3u);
  EXPECT_EQ(micro[0].size(), 3u);
  EXPECT_EQ(micro[2].size(), 1u);
  std::vector<size_t> seen;
  size_t previous = 100;
  for (const auto& m : micro)
    for (size_t i : m) {
      seen.push_back(i);
      EXPECT_LE(rs[i].completion.tokens.size(), previous);
      previous = rs[i].completion.tokens.size();
    }
  std::sort(seen.begin(), seen.end());
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i);
}

TEST(Rollout, SamplesAreReproducibleGroupMajorAndDistinct) {
  const std::string dir = test::make_temp_dir("rollout");
  ASSERT_EQ(test::run_r1("init --preset tiny-qwen2 --out " + dir).exit_code, 0);
  const auto model = ModelDir::open(dir).load_model();
  const Generator g(*model, nullptr, {});
  RolloutSettings s;
  s.group_size = 3;
  s.max_tokens = 8;
  s.sampling.temperature = 1.0f;
  s.sampling.top_p = 1.0f;
  s.sampling.seed = 5;
  const std::vector<std::vector<int32_t>> prompts = {{1, 2, 3}, {7, 8}};
  const RolloutBatch a = generate_rollouts(g, prompts, s), b = generate_rollouts(g, prompts, s);
  ASSERT_EQ(a.rollouts.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(a.rollouts[i].group, int64_t(i / 3));
    EXPECT_EQ(a.rollouts[i].prompt, prompts[i / 3]);
    EXPECT_EQ(a.rollouts[i].completion.tokens, b.rollouts[i].completion.tokens);
    EXPECT_EQ(a.rollouts[i].completion.tokens.size(), 8u);
  }
  EXPECT_NE(a.rollouts[0].completion.tokens, a.rollouts[1].completion.tokens);
  EXPECT_NE(a.rollouts[0].completion.tokens, a.rollouts[3].completion.tokens);
  EXPECT_EQ(a.stats.generated_tokens, 48);
}

}  // namespace
}  // namespace r1::rl
