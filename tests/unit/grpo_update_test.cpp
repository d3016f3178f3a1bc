// The GRPO learner moves the policy the way the advantages say (a rewarded completion becomes
// more likely, a penalised one less), and the micro-batch split does not change the gradient.
#include "rl/grpo_update.h"

#include <gtest/gtest.h>

#include "checkpoint/config_json.h"
#include "checkpoint/model_dir.h"
#include "comm/local_comm.h"
#include "model/param_layout.h"
#include "model/tensor_source.h"
#include "model/transformer.h"
#include "model/weights.h"
#include "test_util.h"

namespace r1::rl {
namespace {

LocalComm world;  // one process

PolicyState tiny_policy(const char* preset) {
  const std::string dir = test::make_temp_dir("grpoupd");
  EXPECT_EQ(
      test::run_r1(std::string("init --preset ") + preset + " --dtype f32 --out " + dir).exit_code,
      0);
  PolicyState p;
  p.config = load_model_config(dir + "/config.json");
  const ParamLayout layout(p.config);
  p.params = make_param_buffer(layout);
  ModelDir::open_weights(dir).load_params(layout, p.params.f32());
  p.grads = make_param_buffer(layout);
  p.adamw = make_adamw_state(layout);
  return p;
}

// Sum of the completion's log-probabilities under the policy.
double completion_logprob(PolicyState& p, const Rollout& r) {
  const ParamLayout layout(p.config);
  const TrainBatch b = pack_rollouts({r}, {0}, 0);
  const std::vector<float> logp = model_token_logprobs(
      p.config, weights_view(p.config, layout, p.params.f32(), "policy"), b, ComputeType::F32);
  double sum = 0;
  for (size_t i = 0; i < logp.size(); ++i) sum += b.mask[i] ? logp[i] : 0.0;
  return sum;
}

std::vector<Rollout> two_rollouts() {
  std::vector<Rollout> rs(3);
  rs[0].prompt = {1, 5, 9, 2};
  rs[0].completion.tokens = {7, 7, 3, 11, 12};
  rs[1].prompt = {1, 5, 9, 2};
  rs[1].completion.tokens = {40, 41};
  rs[2].prompt = {1, 6};
  rs[2].completion.tokens = {20, 21, 22};
  return rs;
}

TEST(GrpoUpdate, RewardedCompletionsBecomeMoreLikelyPenalisedOnesLess) {
  for (const char* preset : {"tiny", "tiny-qwen2"}) {
    PolicyState p = tiny_policy(preset);
    const std::vector<Rollout> rs = two_rollouts();
    const std::vector<double> adv = {1.0, -1.0, 0.0};
    std::vector<double> before;
    for (const Rollout& r : rs) before.push_back(completion_logprob(p, r));
    UpdateSettings s;
    s.adamw.weight_decay = 0.0;
    for (int step = 0; step < 3; ++step) grpo_update(world, p, rs, adv, s, 1e-3);
    EXPECT_GT(completion_logprob(p, rs[0]), before[0] + 0.1) << preset;
    EXPECT_LT(completion_logprob(p, rs[1]), before[1] - 0.1) << preset;
  }
}

TEST(GrpoUpdate, MicroBatchSplitDoesNotChangeTheUpdate) {
  for (const char* agg : {"seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"}) {
    PolicyState whole = tiny_policy("tiny-qwen2"), split = tiny_policy("tiny-qwen2");
    const std::vector<Rollout> rs = two_rollouts();
    const std::vector<double> adv = {0.7, -1.3, 0.4};
    UpdateSettings s;
    s.loss.aggregation = loss_aggregation_from_name(agg);
    s.loss.length_norm = 8;
    s.clip = 0.0;
    s.micro_batch = 3;
    // lr 0: the parameters stay, the gradients of the update stay in grads to compare.
    const UpdateResult a = grpo_update(world, whole, rs, adv, s, 0.0);
    s.micro_batch = 1;
    const UpdateResult b = grpo_update(world, split, rs, adv, s, 0.0);
    EXPECT_NEAR(a.loss, b.loss, 1e-6 * std::abs(a.loss) + 1e-9) << agg;
    EXPECT_GT(a.grad_norm, 0.0);
    EXPECT_NEAR(a.grad_norm, b.grad_norm, 1e-5 * a.grad_norm) << agg;
    EXPECT_EQ(a.stats.tokens, 10);
    double max_diff = 0.0, max_grad = 0.0;
    for (int64_t i = 0; i < whole.grads.numel(); ++i) {
      max_diff = std::max(max_diff, double(std::abs(whole.grads.f32()[i] - split.grads.f32()[i])));
      max_grad = std::max(max_grad, double(std::abs(whole.grads.f32()[i])));
    }
    EXPECT_LT(max_diff, 1e-5 * max_grad) << agg;
  }
}

TEST(GrpoUpdate, SeveralInnerUpdatesClipAndReportTheRatio) {
  PolicyState p = tiny_policy("tiny-qwen2");
  const std::vector<Rollout> rs = two_rollouts();
  UpdateSettings s;
  s.mu = 4;
  s.loss.eps_low = s.loss.eps_high = 0.01;
  const UpdateResult u = grpo_update(world, p, rs, {2.0, -2.0, 1.0}, s, 1e-2);
  EXPECT_EQ(u.stats.tokens, 4 * 10);
  EXPECT_GT(u.stats.clip_fraction(), 0.0);  // later inner updates move past the tight clip
  EXPECT_NE(u.stats.ratio_max, 1.0);
}

// Rollouts sampled at temperature 0.7: the old-policy log-probabilities (a separate forward,
// mu > 1) and the ones the objective sees are of the same tempered distribution, so with the
// weights unchanged (lr 0) every ratio is exactly 1; and the tempered update differs from T = 1.
TEST(GrpoUpdate, TemperedLogprobsGiveRatioOneAtTheRolloutPolicy) {
  PolicyState tempered = tiny_policy("tiny-qwen2"), plain = tiny_policy("tiny-qwen2");
  const std::vector<Rollout> rs = two_rollouts();
  UpdateSettings s;
  s.mu = 2;
  s.clip = 0.0;
  s.temperature = 0.7f;
  const UpdateResult u = grpo_update(world, tempered, rs, {1.0, -1.0, 0.5}, s, 0.0);
  EXPECT_EQ(u.stats.tokens, 2 * 10);
  EXPECT_EQ(u.stats.ratio_min, 1.0);
  EXPECT_EQ(u.stats.ratio_max, 1.0);
  s.temperature = 1.0f;
  const UpdateResult v = grpo_update(world, plain, rs, {1.0, -1.0, 0.5}, s, 0.0);
  EXPECT_NE(u.grad_norm, v.grad_norm);
}

// GSPO with several inner updates: later updates take the sequence ratios of the moved policy
// (not the rollout policy's 1), so they clip.
TEST(GrpoUpdate, SequenceImportanceRatiosFollowTheInnerUpdates) {
  PolicyState p = tiny_policy("tiny-qwen2");
  const std::vector<Rollout> rs = two_rollouts();
  UpdateSettings s;
  s.mu = 4;
  s.loss.importance = ImportanceLevel::kSequence;
  s.loss.eps_low = 3e-4;
  s.loss.eps_high = 4e-4;
  const UpdateResult u = grpo_update(world, p, rs, {2.0, -2.0, 1.0}, s, 1e-2);
  EXPECT_EQ(u.stats.tokens, 4 * 10);
  EXPECT_GT(u.stats.clip_fraction(), 0.0);
  EXPECT_NE(u.stats.ratio_max, 1.0);
}

}  // namespace
}  // namespace r1::rl
