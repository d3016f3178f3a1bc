// A whole training step with the GRPO objective against float64 PyTorch autograd of the
// reference model (tests/reference/make_grpo_cases.py): tiny DeepSeek-V3 (MoE, MTP and balance
// loss on) and Qwen2, also with rollouts sampled at temperature 0.7 (log-probabilities of
// logits / T); model_token_logprobs against log_softmax; micro-batches adding up.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "checkpoint/config_json.h"
#include "checkpoint/model_dir.h"
#include "grpo_test_util.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/transformer.h"
#include "model/param_layout.h"
#include "model/tensor_source.h"
#include "rl/advantage.h"
#include "rl/grpo_loss.h"

namespace r1::rl {
namespace {

constexpr double kGradRtol = 1e-4;  // per tensor, max-normalised, as model_train_test
constexpr double kLogpAtol = 1e-5;  // f32 forward against float64
constexpr double kLossRtol = 5e-6;  // the GRPO loss of f32 log-probabilities

std::vector<float> flat(const Json& rows) {
  std::vector<float> out;
  for (const Json& row : rows)
    for (const Json& v : row) out.push_back(v.get<float>());
  return out;
}

struct GrpoModelCase {
  std::string dir;
  ModelConfig config;
  ParamLayout layout;
  Tensor params;
  Json j;
  TrainBatch batch;
  float temperature;  // the rollouts' sampling temperature

  explicit GrpoModelCase(const std::string& name)
      : dir(std::string(R1_GRPO_CASES_DIR) + "/" + name),
        config(load_model_config(dir)),
        layout(config),
        params(make_param_buffer(layout)),
        j(read_json_file(dir + "/batch.json")),
        temperature(j.at("options").at("temperature").get<float>()) {
    ModelDir::open_weights(dir).load_params(layout, params.f32());
    batch.B = j.at("B");
    batch.T = j.at("T");
    for (const Json& row : j.at("tokens"))
      for (const Json& t : row) batch.tokens.push_back(t.get<int32_t>());
    for (const Json& row : j.at("mask"))
      for (const Json& m : row) batch.mask.push_back(m.get<uint8_t>());
  }

  ModelWeights view(Tensor& buffer) const {
    return weights_view(config, layout, buffer.f32(), "parameters");
  }

  GrpoObjective objective() const {
    GrpoBatch b;
    b.S = batch.B;
    b.T = batch.T;
    b.logp_old = flat(j.at("logp_old"));
    b.logp_ref = flat(j.at("logp_ref"));
    b.mask = batch.mask;
    b.advantages =
        group_advantages(j.at("rewards").get<std::vector<double>>(), j.at("G"), {}).advantages;
    const Json& g = j.at("grpo");
    return GrpoObjective(std::move(b), test::grpo_options_of(g));
  }
};

class GrpoModel : public ::testing::TestWithParam<const char*> {};

TEST_P(GrpoModel, TokenLogprobsMatchPyTorch) {
  GrpoModelCase mc(GetParam());
  const std::vector<float> got = model_token_logprobs(mc.config, mc.view(mc.params), mc.batch,
                                                      ComputeType::F32, mc.temperature);
  const std::vector<float> want = flat(mc.j.at("expected").at("logp"));
  ASSERT_EQ(got.size(), want.size());
  double worst = 0.0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, double(std::fabs(got[i] - want[i])));
  std::printf("[ %-11s ] logp max abs err %.2e (tolerance %.0e)\n", GetParam(), worst, kLogpAtol);
  EXPECT_LE(worst, kLogpAtol);
}

TEST_P(GrpoModel, StepMatchesPyTorch) {
  GrpoModelCase mc(GetParam());
  const Json& want = mc.j.at("expected");
  const GrpoObjective objective = mc.objective();
  const std::vector<float> adv_f(objective.batch().advantages.begin(),
                                 objective.batch().advantages.end());
  EXPECT_LE(test::max_relative_error(adv_f, want.at("advantages").get<std::vector<float>>()), 1e-6);
  GrpoStats stats;
  TrainLossOptions opt;
  opt.mtp_lambda = mc.j.at("options").at("mtp_lambda");
  opt.aux_alpha = mc.j.at("options").at("aux_alpha");
  opt.temperature = mc.temperature;
  opt.objective = objective.for_micro_batch(0, &stats);
  Tensor grads = make_param_buffer(mc.layout);
  const TrainStepResult r =
      model_train_step(mc.config, mc.view(mc.params), mc.view(grads), mc.batch, opt);
  const double total = r.loss + opt.mtp_lambda * r.mtp_loss + opt.aux_alpha * r.aux_loss;
  std::printf("[ %-11s ] loss %.9f want %.9f, total %.9f want %.9f\n", GetParam(), r.loss,
              want.at("loss").get<double>(), total, want.at("total").get<double>());
  EXPECT_NEAR(r.loss, want.at("loss").get<double>(),
              kLossRtol * std::fabs(double(want.at("loss"))));
  EXPECT_NEAR(r.mtp_loss, want.at("mtp_loss").get<double>(), 1e-6 * double(want.at("mtp_loss")));
  EXPECT_NEAR(r.aux_loss, want.at("aux_loss").get<double>(), 1e-6 * double(want.at("aux_loss")));
  const Json& ws = want.at("stats");
  EXPECT_EQ(stats.tokens, ws.at("tokens").get<int64_t>());
  EXPECT_EQ(stats.clip_low_fraction(), ws.at("clip_low_fraction").get<double>());
  EXPECT_EQ(stats.clip_high_fraction(), ws.at("clip_high_fraction").get<double>());
  EXPECT_GT(stats.clip_fraction(), 0.0);

  const SafetensorsFile expected = SafetensorsFile::open(mc.dir + "/grads.safetensors");
  double worst = 0.0;
  std::string worst_name;
  for (const ParamEntry& e : mc.layout.entries()) {
    if (!e.trainable) continue;
    ASSERT_TRUE(expected.has(e.name)) << e.name;
    const Tensor w = expected.get(e.name);
    const double err = test::max_relative_error(
        {grads.f32() + e.offset, grads.f32() + e.offset + e.numel}, {w.f32(), w.f32() + w.numel()});
    EXPECT_LE(err, kGradRtol) << e.name;
    if (err >= worst) worst = err, worst_name = e.name;
  }
  std::printf("[ %-11s ] max gradient error %.2e (%s), tolerance %.0e\n", GetParam(), worst,
              worst_name.c_str(), kGradRtol);
}

// The objective inside the step sees exactly model_token_logprobs' numbers in the same compute
// type and temperature, so that the first inner update of a rollout batch starts at ratio 1.
TEST_P(GrpoModel, ObjectiveSeesTokenLogprobsBitForBit) {
  GrpoModelCase mc(GetParam());
  for (ComputeType compute : {ComputeType::F32, ComputeType::BF16}) {
    const std::vector<float> logp =
        model_token_logprobs(mc.config, mc.view(mc.params), mc.batch, compute, mc.temperature);
    std::vector<float> seen(logp.size(), NAN);
    TrainLossOptions opt;
    opt.compute = compute;
    opt.temperature = mc.temperature;
    opt.objective = [&](int64_t row0, int64_t n, const float* lp, float* dlogp) {
      std::copy_n(lp, n, seen.begin() + row0);
      std::fill_n(dlogp, n, 0.0f);
      return 0.0;
    };
    Tensor grads = make_param_buffer(mc.layout);
    model_train_step(mc.config, mc.view(mc.params), mc.view(grads), mc.batch, opt);
    EXPECT_EQ(seen, logp) << compute_type_name(compute);
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, GrpoModel, ::testing::Values("model_v3", "model_qwen2", "model_qwen2_t07"));

// Two micro-batches of two sequences, each with its callback of the step's objective, add up
// to the whole batch's gradient (MTP and balance losses off: they are per-batch means).
TEST(GrpoModelSteps, MicroBatchesAddUp) {
  GrpoModelCase mc("model_v3");
  const GrpoObjective objective = mc.objective();
  TrainLossOptions opt;
  opt.objective = objective.for_micro_batch(0, nullptr);
  Tensor whole = make_param_buffer(mc.layout), summed = make_param_buffer(mc.layout);
  const double loss =
      model_train_step(mc.config, mc.view(mc.params), mc.view(whole), mc.batch, opt).loss;
  double parts = 0.0;
  const int64_t T = mc.batch.T;
  for (int64_t first = 0; first < mc.batch.B; first += 2) {
    TrainBatch half{2, T, {}, {}};
    half.tokens.assign(mc.batch.tokens.begin() + first * (T + 1),
                       mc.batch.tokens.begin() + (first + 2) * (T + 1));
    half.mask.assign(mc.batch.mask.begin() + first * T, mc.batch.mask.begin() + (first + 2) * T);
    opt.objective = objective.for_micro_batch(first, nullptr);
    parts += model_train_step(mc.config, mc.view(mc.params), mc.view(summed), half, opt).loss;
  }
  EXPECT_NEAR(parts, loss, 1e-6 * std::fabs(loss));
  const int64_t n = mc.layout.total();
  EXPECT_LE(
      test::max_relative_error({summed.f32(), summed.f32() + n}, {whole.f32(), whole.f32() + n}),
      1e-5);
}

}  // namespace
}  // namespace r1::rl
