// model_train_step against float64 PyTorch autograd of whole tiny models
// (tests/reference/make_train_cases.py), plus finite-difference spot checks, micro-batch
// accumulation and bad batches; the per-token objective hook and model_token_logprobs against
// the cross-entropy path.
#include "model/transformer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "checkpoint/config_json.h"
#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "grad_test_util.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/param_layout.h"
#include "model/tensor_source.h"

namespace r1 {
namespace {

constexpr double kLossRtol = 1e-6;
constexpr double kGradRtol = 1e-4;  // per tensor, max-normalised

struct TrainCase {
  std::string dir;
  ModelConfig config;
  ParamLayout layout;
  Tensor params;
  TrainBatch batch;
  TrainLossOptions opt;
  Json expected;

  explicit TrainCase(const std::string& name)
      : dir(std::string(R1_TRAIN_CASES_DIR) + "/" + name),
        config(load_model_config(dir)),
        layout(config),
        params(make_param_buffer(layout)) {
    ModelDir::open_weights(dir).load_params(layout, params.f32());
    const Json j = read_json_file(dir + "/batch.json");
    batch.B = j.at("B").get<int64_t>();
    batch.T = j.at("T").get<int64_t>();
    for (const Json& row : j.at("tokens"))
      for (const Json& t : row) batch.tokens.push_back(t.get<int32_t>());
    for (const Json& row : j.at("mask"))
      for (const Json& m : row) batch.mask.push_back(m.get<uint8_t>());
    opt.mtp_lambda = j.at("options").at("mtp_lambda").get<double>();
    opt.aux_alpha = j.at("options").at("aux_alpha").get<double>();
    opt.loss_tokens = j.at("options").at("loss_tokens").get<int64_t>();
    expected = j.at("expected");
  }

  // One step from zeroed gradients into `grads` (a buffer of the layout).
  TrainStepResult step(const TrainBatch& b, const TrainLossOptions& o, Tensor& grads) {
    grads = make_param_buffer(layout);
    return model_train_step(config, weights_view(config, layout, params.f32(), "parameters"),
                            weights_view(config, layout, grads.f32(), "gradients"), b, o);
  }
};

std::vector<float> entry_values(const ParamEntry& e, const float* base) {
  return {base + e.offset, base + e.offset + e.numel};
}

void expect_rel(const char* what, double got, double want) {
  std::printf("[ %-10s ] got %.9f want %.9f\n", what, got, want);
  EXPECT_LE(std::fabs(got - want), kLossRtol * std::max(std::fabs(want), 1e-12)) << what;
}

// Losses and every trainable tensor's gradient against the case; prints the worst tensor.
void compare_with_reference(const std::string& name) {
  TrainCase tc(name);
  Tensor grads;
  const TrainStepResult r = tc.step(tc.batch, tc.opt, grads);
  EXPECT_EQ(r.tokens, tc.expected.at("tokens").get<int64_t>());
  expect_rel("loss", r.loss, tc.expected.at("loss").get<double>());
  expect_rel("mtp_loss", r.mtp_loss, tc.expected.at("mtp_loss").get<double>());
  expect_rel("aux_loss", r.aux_loss, tc.expected.at("aux_loss").get<double>());
  expect_rel("total", r.loss + tc.opt.mtp_lambda * r.mtp_loss + tc.opt.aux_alpha * r.aux_loss,
             tc.expected.at("total").get<double>());
  EXPECT_EQ(r.expert_load, tc.expected.at("expert_load").get<std::vector<std::vector<int64_t>>>());

  const SafetensorsFile want = SafetensorsFile::open(tc.dir + "/grads.safetensors");
  double worst = 0.0;
  std::string worst_name;
  for (const ParamEntry& e : tc.layout.entries()) {
    if (!e.trainable) continue;  // the routing bias has no gradient
    ASSERT_TRUE(want.has(e.name)) << e.name;
    const Tensor w = want.get(e.name);
    const double err = test::max_relative_error(entry_values(e, grads.f32()),
                                                {w.f32(), w.f32() + w.numel()});
    EXPECT_LE(err, kGradRtol) << name << ": " << e.name;
    if (err >= worst) worst = err, worst_name = e.name;
  }
  std::printf("[ %-10s ] max gradient error %.2e (%s), tolerance %.0e\n", name.c_str(), worst,
              worst_name.c_str(), kGradRtol);
}

TEST(ModelTrain, TinyQwen2MatchesPyTorch) { compare_with_reference("tiny_qwen2"); }

// Recomputing each layer's forward before its backward changes nothing, bit for bit.
TEST(ModelTrain, RecomputedActivationsGiveIdenticalGradients) {
  for (const char* name : {"tiny_v3", "tiny_qwen2"}) {
    TrainCase tc(name);
    Tensor kept, recomputed;
    const TrainStepResult a = tc.step(tc.batch, tc.opt, kept);
    TrainLossOptions o = tc.opt;
    o.recompute = true;
    const TrainStepResult b = tc.step(tc.batch, o, recomputed);
    EXPECT_EQ(a.loss, b.loss) << name;
    EXPECT_EQ(a.mtp_loss, b.mtp_loss) << name;
    EXPECT_EQ(a.aux_loss, b.aux_loss) << name;
    EXPECT_EQ(a.expert_load, b.expert_load) << name;
    EXPECT_EQ(std::memcmp(kept.data, recomputed.data, kept.nbytes()), 0) << name;
  }
}

TEST(ModelTrain, TinyLlamaMatchesPyTorch) { compare_with_reference("tiny_llama"); }

TEST(ModelTrain, TinyV3MatchesPyTorch) { compare_with_reference("tiny_v3"); }

// Central differences of the step loss in a few parameters of different kinds (embedding row
// of an input token, q bias, MLP weight, norms): the largest-gradient element of each tensor.
TEST(ModelTrain, TinyQwen2FiniteDifferenceSpotCheck) {
  TrainCase tc("tiny_qwen2");
  Tensor grads, scratch;
  tc.step(tc.batch, tc.opt, grads);
  const double eps = 1e-2;  // the f32 forward's loss is accurate to ~1e-6
  for (const char* name :
       {"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.bias",
        "model.layers.0.self_attn.k_proj.weight", "model.layers.1.mlp.down_proj.weight",
        "model.layers.0.input_layernorm.weight", "model.norm.weight"}) {
    const ParamEntry& e = tc.layout.at(name);
    int64_t best = 0;
    for (int64_t i = 0; i < e.numel; ++i)
      if (std::fabs(grads.f32()[e.offset + i]) > std::fabs(grads.f32()[e.offset + best])) best = i;
    float& p = tc.params.f32()[e.offset + best];
    const float saved = p;
    p = float(saved + eps);
    const double up = tc.step(tc.batch, tc.opt, scratch).loss;
    p = float(saved - eps);
    const double down = tc.step(tc.batch, tc.opt, scratch).loss;
    p = saved;
    const double fd = (up - down) / (2 * eps), analytic = grads.f32()[e.offset + best];
    std::printf("[ %-40s ] analytic %.6e finite difference %.6e\n", name, analytic, fd);
    EXPECT_NEAR(analytic, fd, 2e-3 * std::fabs(analytic) + 1e-5) << name;
  }
}

// Two micro-batches normalised by the step's token count add up to the whole batch.
TEST(ModelTrain, MicroBatchGradientsAddUp) {
  TrainCase tc("tiny_qwen2");
  Tensor whole, part;
  const TrainStepResult full = tc.step(tc.batch, {}, whole);
  TrainLossOptions o;
  o.loss_tokens = full.tokens;
  std::vector<float> summed(size_t(tc.layout.total()), 0.0f);
  double loss = 0.0;
  const int64_t T = tc.batch.T;
  for (int64_t b = 0; b < tc.batch.B; ++b) {
    TrainBatch one{1, T, {}, {}};
    one.tokens.assign(tc.batch.tokens.begin() + b * (T + 1),
                      tc.batch.tokens.begin() + (b + 1) * (T + 1));
    one.mask.assign(tc.batch.mask.begin() + b * T, tc.batch.mask.begin() + (b + 1) * T);
    loss += tc.step(one, o, part).loss;
    for (int64_t i = 0; i < tc.layout.total(); ++i) summed[size_t(i)] += part.f32()[i];
  }
  EXPECT_NEAR(loss, full.loss, 1e-6 * full.loss);
  EXPECT_LE(test::max_relative_error(summed, {whole.f32(), whole.f32() + tc.layout.total()}),
            1e-5);
}

TEST(ModelTrain, RejectsBadBatches) {
  TrainCase tc("tiny_qwen2");
  Tensor grads;
  TrainBatch b = tc.batch;
  b.tokens[5] = int32_t(tc.config.vocab_size);
  EXPECT_THROW(tc.step(b, tc.opt, grads), FormatError);
  b = tc.batch;
  b.tokens.pop_back();
  EXPECT_THROW(tc.step(b, tc.opt, grads), FormatError);
  b = tc.batch;
  b.mask.push_back(1);
  EXPECT_THROW(tc.step(b, tc.opt, grads), FormatError);
  b.mask.clear();
  b.T = 0;
  EXPECT_THROW(tc.step(b, tc.opt, grads), FormatError);
  TrainLossOptions o;
  o.loss_tokens = -1;
  EXPECT_THROW(tc.step(tc.batch, o, grads), UsageError);
}

// With every position masked out nothing counts: zero loss and zero gradients, no failure.
TEST(ModelTrain, FullyMaskedBatchGivesNothing) {
  TrainCase tc("tiny_qwen2");
  TrainBatch b = tc.batch;
  std::fill(b.mask.begin(), b.mask.end(), uint8_t(0));
  Tensor grads;
  const TrainStepResult r = tc.step(b, tc.opt, grads);
  EXPECT_EQ(r.tokens, 0);
  EXPECT_EQ(r.loss, 0.0);
  for (int64_t i = 0; i < tc.layout.total(); ++i) ASSERT_EQ(grads.f32()[i], 0.0f);
}

// The objective -logp_t / N on the counted rows is the cross-entropy path's loss: the same loss
// and gradients (MTP and balance terms included) up to float rounding of dlogits.
TEST(ModelTrain, ObjectiveOfMinusLogprobReproducesCrossEntropy) {
  for (const char* name : {"tiny_qwen2", "tiny_llama", "tiny_v3"}) {
    TrainCase tc(name);
    Tensor ce_grads, objective_grads;
    const TrainStepResult ce = tc.step(tc.batch, tc.opt, ce_grads);
    const double N = double(tc.opt.loss_tokens > 0 ? tc.opt.loss_tokens : ce.tokens);
    TrainLossOptions o = tc.opt;
    o.objective = [&](int64_t row0, int64_t n, const float* logp, float* dlogp) {
      double loss = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        const bool counted = tc.batch.mask[size_t(row0 + i)] != 0;
        loss -= counted ? double(logp[i]) / N : 0.0;
        dlogp[i] = counted ? float(-1.0 / N) : 0.0f;
      }
      return loss;
    };
    const TrainStepResult obj = tc.step(tc.batch, o, objective_grads);
    EXPECT_NEAR(obj.loss, ce.loss, 1e-6 * ce.loss) << name;
    EXPECT_EQ(obj.tokens, ce.tokens) << name;
    EXPECT_EQ(obj.mtp_loss, ce.mtp_loss) << name;
    EXPECT_EQ(obj.aux_loss, ce.aux_loss) << name;
    double worst = 0.0;
    for (const ParamEntry& e : tc.layout.entries())
      worst = std::max(worst, test::max_relative_error(entry_values(e, objective_grads.f32()),
                                                       entry_values(e, ce_grads.f32())));
    std::printf("[ %-10s ] objective vs cross-entropy: max gradient error %.2e\n", name, worst);
    EXPECT_LE(worst, 1e-6) << name;
  }
}

// model_token_logprobs is minus the cross-entropy path's loss of each single counted token.
TEST(ModelTrain, TokenLogprobsAreMinusPerTokenCrossEntropy) {
  for (const char* name : {"tiny_qwen2", "tiny_v3"}) {
    TrainCase tc(name);
    const std::vector<float> logp = model_token_logprobs(
        tc.config, weights_view(tc.config, tc.layout, tc.params.f32(), "parameters"), tc.batch,
        ComputeType::F32);
    ASSERT_EQ(int64_t(logp.size()), tc.batch.B * tc.batch.T);
    TrainBatch one = tc.batch;
    Tensor grads;
    double worst = 0.0;
    for (size_t row = 0; row < logp.size(); ++row) {
      std::fill(one.mask.begin(), one.mask.end(), uint8_t(0));
      one.mask[row] = 1;
      const double ce = tc.step(one, {}, grads).loss;
      worst = std::max(worst, std::fabs(double(logp[row]) + ce) / std::max(1.0, ce));
    }
    std::printf("[ %-10s ] max |logp + cross-entropy| / max(1, cross-entropy) %.2e\n", name,
                worst);
    EXPECT_LE(worst, 1e-6) << name;
  }
}

TEST(ModelTrain, TokenLogprobsRejectBadBatches) {
  TrainCase tc("tiny_qwen2");
  TrainBatch b = tc.batch;
  b.tokens[3] = -1;
  EXPECT_THROW(model_token_logprobs(tc.config,
                                    weights_view(tc.config, tc.layout, tc.params.f32(), "parameters"),
                                    b, ComputeType::F32),
               FormatError);
}

}  // namespace
}  // namespace r1
