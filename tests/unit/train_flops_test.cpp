// Training FLOPs per token, checked against hand-counted formulas for a dense and an MoE model.
#include "model/train_flops.h"

#include <gtest/gtest.h>

#include "checkpoint/presets.h"

namespace r1 {
namespace {

TEST(TrainFlops, DenseModelIsSixTimesItsMatmulWeightsPlusAttention) {
  const ModelConfig& c = find_preset("tiny-qwen2").config;  // tied head
  const int64_t D = c.hidden_size, hd = c.head_dim, H = c.num_attention_heads,
                Hkv = c.num_key_value_heads, I = c.intermediate_size, L = c.num_hidden_layers;
  const double per_layer = double(D * H * hd * 2 + D * Hkv * hd * 2 + 3 * D * I);
  const double matmul = 6.0 * (double(L) * per_layer + double(c.vocab_size * D));
  const TrainFlops f = train_flops_per_token(c, 15, false);
  EXPECT_DOUBLE_EQ(f.matmul, matmul);
  EXPECT_DOUBLE_EQ(f.attention, 6.0 * double(L * H * 2 * hd) * 8.0);
}

TEST(TrainFlops, MoeCountsOnlyTheChosenExpertsAndMtpOnRequest) {
  const ModelConfig& c = find_preset("tiny").config;
  ASSERT_GT(c.n_routed_experts, c.num_experts_per_tok);
  ASSERT_GT(c.num_nextn_predict_layers, 0);
  const TrainFlops main = train_flops_per_token(c, 8, false);
  const TrainFlops with_mtp = train_flops_per_token(c, 8, true);
  EXPECT_GT(with_mtp.matmul, main.matmul);
  EXPECT_GT(with_mtp.attention, main.attention);

  ModelConfig all_experts = c;  // every token through every expert: the full expert weights
  all_experts.num_experts_per_tok = c.n_routed_experts;
  const double expert_weights = 3.0 * double(c.hidden_size * c.moe_intermediate_size) *
                                double(c.n_routed_experts);
  int64_t moe_layers = 0;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) moe_layers += c.is_moe_layer(i) ? 1 : 0;
  const double unused = 6.0 * double(moe_layers) * expert_weights *
                        double(c.n_routed_experts - c.num_experts_per_tok) /
                        double(c.n_routed_experts);
  EXPECT_NEAR(train_flops_per_token(all_experts, 8, false).matmul - main.matmul, unused,
              1e-6 * unused);
}

}  // namespace
}  // namespace r1
