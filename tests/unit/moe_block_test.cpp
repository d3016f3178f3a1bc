// The MoE block and the balance loss: PyTorch autograd on model.py's moe and route_scores, the
// inference specialisations (decode GEMV, experts in parallel) against the taped forward, f32
// finite differences with the routing checked unchanged under every step, and the expert bias
// update.
#include "model/blocks/moe.h"

#include <gtest/gtest.h>

#include <cmath>

#include "block_train_util.h"
#include "checkpoint/presets.h"
#include "train/expert_bias.h"

namespace r1 {
namespace {

using test::BlockCase;
using test::TrainBuffers;

TEST(MoeBlock, MatchesPyTorchAutogradWithBalanceLoss) {
  for (const char* name :
       {"moe_sigmoid_noaux_tc", "moe_softmax_greedy", "moe_softmax_group_limited"}) {
    BlockCase bc = test::load_block_case(name);
    TrainBuffers& b = *bc.buffers;
    const ModelConfig& c = b.config;
    const std::vector<float> x = bc.data.f32("x"), dy = bc.data.f32("dy");
    const MoeWeights& w = b.w.layers[0].moe;
    MoeTape tape;
    std::vector<float> y(x.size()), dx(x.size());
    moe_forward(c, w, x.data(), bc.T, y.data(), ComputeType::F32, &tape);
    std::vector<int32_t> want_experts;
    for (const Json& row : bc.data.params.at("experts"))
      for (const Json& e : row) want_experts.push_back(e.get<int32_t>());
    EXPECT_EQ(tape.routing.experts, want_experts) << name;
    test::expect_close(std::string(name) + " y", y, bc.data.f32("y"), test::kTorchRtol);

    const double alpha = bc.data.params.at("alpha").get<double>();
    std::vector<float> dscores(size_t(bc.T * c.n_routed_experts));
    const double loss = moe_balance_loss(c, tape, bc.spans, alpha, dscores.data());
    const double want_loss = bc.data.params.at("balance_loss").get<double>();
    EXPECT_NEAR(loss, want_loss, 1e-6 * std::max(1.0, std::fabs(want_loss))) << name;
    moe_backward(c, w, x.data(), tape, dy.data(), bc.T, dscores.data(), b.g.layers[0].moe,
                 dx.data(), ComputeType::F32);
    test::expect_close(std::string(name) + " dx", dx, bc.data.f32("dx"), test::kTorchRtol);
    EXPECT_EQ(test::expect_case_grads(bc),
              1 + 3 * c.n_routed_experts + (c.n_shared_experts > 0 ? 3 : 0))
        << name;
  }
}

TEST(MoeBlock, InferencePathsEqualTheForwardAndItCountsTheLoad) {
  TrainBuffers b(find_preset("tiny").config);  // sigmoid, noaux_tc over 2 groups, shared expert
  b.randomise(31, 0.1f);
  const ModelConfig& c = b.config;
  const MoeWeights& w = b.w.layers[1].moe;
  for (int64_t T : {3, 40}) {  // the inference decode and prefill expert paths
    const int64_t D = c.hidden_size, K = c.num_experts_per_tok;
    const std::vector<float> x = test::random_floats(size_t(T * D), 32);
    MoeTape tape;
    std::vector<float> got(x.size()), want(x.size());
    moe_forward(c, w, x.data(), T, want.data(), ComputeType::F32, &tape);
    moe_forward(c, w, x.data(), T, got.data(), ComputeType::F32);
    test::expect_close("moe inference T=" + std::to_string(T), got, want, 1e-5);
    EXPECT_EQ(tape.routing.experts, moe_route(c, w, x.data(), T).experts);

    std::vector<int64_t> load(size_t(c.n_routed_experts), 0);
    for (int32_t e : tape.routing.experts) ++load[size_t(e)];
    EXPECT_EQ(tape.load, load);
    int64_t total = 0;
    for (int64_t n : tape.load) total += n;
    EXPECT_EQ(total, T * K);
  }
}

// Small V3-style MoE: 8 experts in 4 groups, 2 groups kept, 3 per token, a shared expert.
ModelConfig small_moe() {
  ModelConfig c = find_preset("tiny").config;
  c.vocab_size = 32, c.hidden_size = 8, c.num_hidden_layers = 1, c.first_k_dense_replace = 0;
  c.num_attention_heads = 2, c.num_key_value_heads = 2, c.q_lora_rank = 0, c.kv_lora_rank = 4;
  c.qk_nope_head_dim = 2, c.qk_rope_head_dim = 2, c.v_head_dim = 2;
  c.n_routed_experts = 8, c.n_group = 4, c.topk_group = 2, c.num_experts_per_tok = 3;
  c.moe_intermediate_size = 5, c.num_nextn_predict_layers = 0;
  return c;
}

TEST(MoeBlock, BackwardAndBalanceLossMatchFiniteDifferences) {
  for (ScoringFunc scoring : {ScoringFunc::Sigmoid, ScoringFunc::Softmax}) {
    ModelConfig cfg = small_moe();
    cfg.scoring_func = scoring;
    TrainBuffers b(cfg);
    // Router and bias at a scale that spreads the scores: the routing margins (asserted below
    // for every step) are far above the steps.
    b.randomise(41, 0.5f);
    const ModelConfig& c = b.config;
    const SeqSpans spans = {SeqSpan{0, 4, 0, nullptr}, SeqSpan{4, 3, 0, nullptr}};
    const int64_t T = 7, D = c.hidden_size, E = c.n_routed_experts;
    const double alpha = 0.7;
    std::vector<float> x = test::random_floats(size_t(T * D), 42);
    const std::vector<float> dy = test::random_floats(size_t(T * D), 43);
    const MoeWeights& w = b.w.layers[0].moe;

    MoeTape tape;
    std::vector<float> y(x.size()), dx(x.size()), dscores(size_t(T * E));
    moe_forward(c, w, x.data(), T, y.data(), ComputeType::F32, &tape);
    moe_balance_loss(c, tape, spans, alpha, dscores.data());
    moe_backward(c, w, x.data(), tape, dy.data(), T, dscores.data(), b.g.layers[0].moe, dx.data(),
                 ComputeType::F32);
    const std::vector<int32_t> routing = tape.routing.experts;
    int flips = 0;
    auto loss = [&] {
      MoeTape a;
      std::vector<float> out(x.size()), unused(size_t(T * E));
      moe_forward(c, w, x.data(), T, out.data(), ComputeType::F32, &a);
      flips += a.routing.experts != routing;
      return test::dot(test::to_double(out), dy) +
             moe_balance_loss(c, a, spans, alpha, unused.data());
    };
    test::expect_input_finite_differences("moe x", x, dx, loss, 24, test::kF32Eps,
                                          test::kF32FiniteDiffRtol);
    EXPECT_EQ(test::expect_param_finite_differences(b, "model.layers.0.mlp.", loss, 8,
                                                    test::kF32Eps, test::kF32FiniteDiffRtol),
              1 + 3 * E + 3);
    EXPECT_EQ(flips, 0) << "a finite-difference step changed the routing";
  }
}

TEST(MoeBlock, BalanceLossOfAUniformRouterIsOne) {
  // All-zero router: every expert has the same affinity, so P_i = 1/E and sum_i f_i = E:
  // L_seq = 1 whatever the choice.
  TrainBuffers b(small_moe());
  const ModelConfig& c = b.config;
  const int64_t T = 5;
  const std::vector<float> x = test::random_floats(size_t(T * c.hidden_size), 51);
  MoeTape tape;
  std::vector<float> y(x.size()), dscores(size_t(T * c.n_routed_experts));
  moe_forward(c, b.w.layers[0].moe, x.data(), T, y.data(), ComputeType::F32, &tape);
  EXPECT_NEAR(moe_balance_loss(c, tape, {SeqSpan{0, T, 0, nullptr}}, 0.25, dscores.data()), 0.25,
              1e-9);
}

TEST(ExpertBias, MovesEachBiasTowardsTheMeanLoad) {
  std::vector<float> bias = {0.5f, -0.25f, 0.0f, 1.0f};
  const std::vector<int64_t> load = {5, 1, 3, 3};  // mean 3
  update_expert_bias(bias.data(), load.data(), 4, 0.125f);
  EXPECT_EQ(bias, (std::vector<float>{0.375f, -0.125f, 0.0f, 1.0f}));
}

}  // namespace
}  // namespace r1
