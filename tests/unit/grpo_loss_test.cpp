// GrpoObjective against float64 PyTorch autograd on fixed logits (tests/reference/
// make_grpo_cases.py): GRPO with and without KL, Dr. GRPO, DAPO with dynamic sampling, RLOO,
// GSPO's sequence ratio (with and without KL); loss, d loss / d logits through target_logprobs
// and the statistics. Also micro-batch splitting, GSPO's ratio and bad options.
#include "rl/grpo_loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "grpo_test_util.h"
#include "kernels/cpu/token_logprob.h"
#include "rl/advantage.h"

namespace r1::rl {
namespace {

constexpr double kLossRtol = 1e-6;
constexpr double kGradRtol = 1e-6;  // max-normalised d loss / d logits
constexpr double kStatRtol = 1e-5;  // ratio and KL means, which sum float32 log-probabilities

struct LogitCases {
  test::GradCase c = test::load_grpo_logit_cases();
  int64_t S = c.params.at("S"), T = c.params.at("T"), V = c.params.at("V"), G = c.params.at("G");
  std::vector<float> logits = c.f32("logits");                                    // [S, T, V]
  std::vector<int32_t> targets = c.i32("targets");                                // [S, T]
  std::vector<float> logp_old = c.f32("logp_old"), logp_ref = c.f32("logp_ref");  // [S, T]
  std::vector<uint8_t> mask;                                                      // [S, T]
  std::vector<float> logp = std::vector<float>(size_t(S * T));  // [S, T] computed here
  std::vector<double> lse = std::vector<double>(size_t(S * T));

  LogitCases() {
    for (int32_t m : c.i32("mask")) mask.push_back(uint8_t(m != 0));
    target_logprobs(logits.data(), targets.data(), S * T, V, logp.data(), lse.data());
  }

  // The step's batch of the sequences with keep[s / G] (all of them for an empty keep).
  GrpoBatch batch(const std::vector<double>& advantages, const std::vector<uint8_t>& keep,
                  std::vector<int64_t>& rows) const {
    GrpoBatch b;
    b.T = T;
    for (int64_t s = 0; s < S; ++s) {
      if (!keep.empty() && !keep[size_t(s / G)]) continue;
      ++b.S;
      b.advantages.push_back(advantages[size_t(s)]);
      for (int64_t t = 0; t < T; ++t) {
        const size_t i = size_t(s * T + t);
        rows.push_back(int64_t(i));
        b.logp_old.push_back(logp_old[i]);
        b.logp_ref.push_back(logp_ref[i]);
        b.mask.push_back(mask[i]);
      }
    }
    return b;
  }
};

void expect_rel(const std::string& what, double got, double want, double rtol) {
  EXPECT_LE(std::fabs(got - want), rtol * std::max(std::fabs(want), 1e-12))
      << what << ": got " << got << " want " << want;
}

TEST(GrpoLoss, LogprobsOfTheCasesMatchPyTorch) {
  const LogitCases lc;
  double worst = 0.0;
  const std::vector<float> want = lc.c.f32("logp");
  for (size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, double(std::fabs(lc.logp[i] - want[i])));
  std::printf("[ logp       ] max abs err %.2e\n", worst);
  EXPECT_LE(worst, 1e-6);
}

TEST(GrpoLoss, EveryVariantMatchesPyTorch) {
  const LogitCases lc;
  const std::vector<double> rewards = test::grpo_case_rewards(lc.c);
  for (const Json& v : lc.c.params.at("variants")) {
    const std::string name = v.at("name");
    AdvantageOptions ao;
    ao.mode = advantage_mode_from_name(v.at("advantage"));
    const GroupAdvantages adv = group_advantages(rewards, lc.G, ao);
    std::vector<int64_t> rows;
    const std::vector<uint8_t> none;
    GrpoObjective objective(
        lc.batch(adv.advantages, v.at("dynamic_sampling").get<bool>() ? adv.keep : none, rows),
        test::grpo_options_of(v));
    std::vector<float> logp, dlogp(rows.size());
    for (int64_t r : rows) logp.push_back(lc.logp[size_t(r)]);
    objective.set_sequence_ratios(logp.data());  // GSPO; the token variants ignore it
    GrpoStats stats;
    const double loss = objective.loss(logp.data(), dlogp.data(), &stats);

    std::vector<float> dlogits(lc.logits.size(), 0.0f);  // [S, T, V]; dropped sequences stay 0
    for (size_t i = 0; i < rows.size(); ++i) {
      const int64_t r = rows[i];
      target_logprobs_backward(lc.logits.data() + r * lc.V, &lc.targets[size_t(r)],
                               &lc.lse[size_t(r)], &dlogp[i], 1, lc.V, dlogits.data() + r * lc.V);
    }
    const double err = test::max_relative_error(dlogits, lc.c.f32(name + "_dlogits"));
    std::printf("[ %-10s ] loss %+.9f want %+.9f, dlogits max rel err %.2e (tolerance %.0e)\n",
                name.c_str(), loss, v.at("loss").get<double>(), err, kGradRtol);
    expect_rel(name + " loss", loss, v.at("loss"), kLossRtol);
    EXPECT_LE(err, kGradRtol) << name;

    const Json& want = v.at("stats");
    EXPECT_EQ(stats.tokens, want.at("tokens").get<int64_t>()) << name;
    expect_rel(name + " clip low", stats.clip_low_fraction(), want.at("clip_low_fraction"), 1e-12);
    expect_rel(name + " clip high", stats.clip_high_fraction(), want.at("clip_high_fraction"),
               1e-12);
    expect_rel(name + " kl", stats.kl_mean(), want.at("kl_mean"), kStatRtol);
    expect_rel(name + " ratio mean", stats.ratio_mean(), want.at("ratio_mean"), kStatRtol);
    expect_rel(name + " ratio min", stats.ratio_min, want.at("ratio_min"), kStatRtol);
    expect_rel(name + " ratio max", stats.ratio_max, want.at("ratio_max"), kStatRtol);
    EXPECT_GT(stats.clipped_low, 0) << name;  // the case clips on both sides
    EXPECT_GT(stats.clipped_high, 0) << name;
  }
}

// The callbacks of three micro-batches, called in chunks of rows as the head does, give the
// whole step's loss, gradient and statistics: the normalisers are the step's.
TEST(GrpoLoss, MicroBatchCallbacksAddUpToTheStep) {
  const LogitCases lc;
  const GroupAdvantages adv = group_advantages(test::grpo_case_rewards(lc.c), lc.G, {});
  for (const char* aggregation : {"seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"}) {
    std::vector<int64_t> rows;
    GrpoLossOptions o;
    o.beta = 0.04;
    o.aggregation = loss_aggregation_from_name(aggregation);
    o.length_norm = lc.T;
    const GrpoObjective objective(lc.batch(adv.advantages, {}, rows), o);
    std::vector<float> whole(rows.size()), parts(rows.size(), 9.0f);
    GrpoStats whole_stats, part_stats;
    const double loss = objective.loss(lc.logp.data(), whole.data(), &whole_stats);
    double summed = 0.0;
    const int64_t per_micro = 5, chunk = 4;  // sequences, rows: chunks cross sequence borders
    for (int64_t first = 0; first < lc.S; first += per_micro) {
      const TokenObjective f = objective.for_micro_batch(first, &part_stats);
      const int64_t n_rows = std::min(per_micro, lc.S - first) * lc.T;
      for (int64_t r0 = 0; r0 < n_rows; r0 += chunk) {
        const int64_t n = std::min(chunk, n_rows - r0), at = first * lc.T + r0;
        summed += f(r0, n, lc.logp.data() + at, parts.data() + at);
      }
    }
    EXPECT_NEAR(summed, loss, 1e-12 * std::fabs(loss)) << aggregation;
    EXPECT_EQ(parts, whole) << aggregation;
    EXPECT_EQ(part_stats.tokens, whole_stats.tokens);
    EXPECT_EQ(part_stats.clipped_low, whole_stats.clipped_low);
    EXPECT_EQ(part_stats.clipped_high, whole_stats.clipped_high);
    EXPECT_EQ(part_stats.ratio_max, whole_stats.ratio_max);
  }
}

// At the rollout policy (logp == logp_old) with beta 0 the ratio is 1 everywhere: nothing
// clips and the gradient is -w A per token, the policy-gradient direction.
TEST(GrpoLoss, AtTheRolloutPolicyTheGradientIsMinusWeightedAdvantage) {
  GrpoBatch b;
  b.S = 2;
  b.T = 3;
  b.logp_old = {-1.0f, -2.0f, -0.5f, -3.0f, -0.25f, -1.5f};
  b.advantages = {0.5, -2.0};
  b.mask = {1, 1, 0, 0, 1, 1};
  GrpoLossOptions o;
  o.aggregation = LossAggregation::kTokenMean;
  const GrpoObjective objective(b, o);
  std::vector<float> dlogp(6);
  GrpoStats stats;
  const double loss = objective.loss(b.logp_old.data(), dlogp.data(), &stats);
  EXPECT_NEAR(loss, -(0.5 * 2 - 2.0 * 2) / 4.0, 1e-12);
  EXPECT_EQ(dlogp, (std::vector<float>{-0.125f, -0.125f, 0.0f, 0.0f, 0.5f, 0.5f}));
  EXPECT_EQ(stats.clip_fraction(), 0.0);
  EXPECT_EQ(stats.ratio_min, 1.0);
  EXPECT_EQ(stats.ratio_max, 1.0);
  EXPECT_EQ(stats.kl_mean(), 0.0);  // no reference given

  // Without logp_old the current policy is the rollout policy: the same numbers.
  GrpoBatch on_policy = b;
  on_policy.logp_old.clear();
  std::vector<float> dlogp_on(6);
  EXPECT_EQ(GrpoObjective(on_policy, o).loss(b.logp_old.data(), dlogp_on.data(), nullptr), loss);
  EXPECT_EQ(dlogp_on, dlogp);
}

// GSPO: every token of a sequence carries the sequence's ratio exp(mean(logp - logp_old)), clips
// with it, and its gradient is -w s A; without set_sequence_ratios the ratio is the rollout
// policy's 1.
TEST(GrpoLoss, SequenceImportanceUsesTheSequencesMeanLogRatio) {
  GrpoBatch b;
  b.S = 2;
  b.T = 3;
  b.logp_old = {-1.0f, -2.0f, -0.5f, -3.0f, -0.25f, -1.5f};
  b.advantages = {1.0, -1.0};
  b.mask = {1, 1, 0, 0, 1, 1};
  GrpoLossOptions o;
  o.importance = ImportanceLevel::kSequence;
  o.eps_low = o.eps_high = 0.1;
  GrpoObjective objective(b, o);
  // Sequence 0: log-ratios +0.1 and 0.0 (mean 0.05: ratio 1.051 < 1.1, unclipped with A > 0);
  // sequence 1: -0.3 and -0.1 (mean -0.2: ratio 0.819 < 0.9 with A < 0, clipped).
  const std::vector<float> logp = {-0.9f, -2.0f, -7.0f, -9.0f, -0.55f, -1.6f};
  std::vector<float> before(6);
  GrpoStats at_rollout;
  objective.loss(logp.data(), before.data(), &at_rollout);
  EXPECT_EQ(at_rollout.ratio_min, 1.0);
  EXPECT_EQ(at_rollout.ratio_max, 1.0);

  objective.set_sequence_ratios(logp.data());
  std::vector<float> dlogp(6);
  GrpoStats stats;
  const double loss = objective.loss(logp.data(), dlogp.data(), &stats);
  const double s0 = std::exp((double(-0.9f) + 1.0 + 0.0) / 2.0);
  const double s1 = std::exp((double(-0.55f) + 0.25 + double(-1.6f) + 1.5) / 2.0);
  EXPECT_NEAR(loss, 0.5 * (-std::min(s0, 1.1)) + 0.5 * 0.9, 1e-12);
  EXPECT_FLOAT_EQ(dlogp[0], float(-0.25 * s0));  // w = 1 / (S n_s) = 1 / 4
  EXPECT_FLOAT_EQ(dlogp[1], float(-0.25 * s0));
  EXPECT_EQ(dlogp[2], 0.0f);
  EXPECT_EQ(dlogp[4], 0.0f);  // clipped sequence: no gradient
  EXPECT_EQ(dlogp[5], 0.0f);
  EXPECT_EQ(stats.clipped_low, 2);  // both of its tokens
  EXPECT_NEAR(stats.ratio_min, s1, 1e-12);
  EXPECT_NEAR(stats.ratio_max, s0, 1e-12);
  EXPECT_THROW(importance_level_from_name("group"), UsageError);
}

TEST(GrpoLoss, RejectsInconsistentBatchesAndOptions) {
  GrpoBatch good;
  good.S = 1;
  good.T = 2;
  good.logp_old = {-1.0f, -1.0f};
  good.advantages = {1.0};
  good.mask = {1, 1};
  const GrpoLossOptions o;
  EXPECT_NO_THROW(GrpoObjective(good, o));
  GrpoBatch b = good;
  b.mask.pop_back();
  EXPECT_THROW(GrpoObjective(b, o), UsageError);
  b = good;
  b.advantages = {NAN};
  EXPECT_THROW(GrpoObjective(b, o), UsageError);
  b = good;
  b.T = 0;
  EXPECT_THROW(GrpoObjective(b, o), UsageError);
  GrpoLossOptions bad = o;
  bad.beta = 0.1;  // needs logp_ref
  EXPECT_THROW(GrpoObjective(good, bad), UsageError);
  bad = o;
  bad.eps_low = 1.0;
  EXPECT_THROW(GrpoObjective(good, bad), UsageError);
  bad = o;
  bad.eps_high = -0.1;
  EXPECT_THROW(GrpoObjective(good, bad), UsageError);
  bad = o;
  bad.aggregation = LossAggregation::kSeqMeanTokenSumNorm;  // needs length_norm
  EXPECT_THROW(GrpoObjective(good, bad), UsageError);
  EXPECT_THROW(loss_aggregation_from_name("seq-mean"), UsageError);
}

}  // namespace
}  // namespace r1::rl
