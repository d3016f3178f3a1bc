// AdamW + LambdaLR schedule + global-norm clipping against PyTorch's own optimizer
// (tests/reference/make_optim_cases.py, CTest fixture optim_cases): 20 steps, every step compared.
#include "train/adamw.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "io/json_file.h"
#include "io/npy.h"
#include "train/grad_clip.h"
#include "train/lr_schedule.h"

namespace r1 {
namespace {

struct OptimCase {
  Json meta;
  std::vector<ParamEntry> entries;
  Tensor init, grads, expected, norms;
};

OptimCase load_case(const std::string& name) {
  const std::string dir = std::string(R1_OPTIM_CASES_DIR) + "/" + name;
  OptimCase c;
  c.meta = read_json_file(dir + "/params.json");
  for (const Json& e : c.meta["entries"]) {
    ParamEntry p;
    p.name = e["name"].get<std::string>();
    p.shape = e["shape"].get<Shape>();
    p.offset = e["offset"].get<int64_t>();
    p.numel = e["numel"].get<int64_t>();
    p.weight_decay = e["weight_decay"].get<bool>();
    p.trainable = e["trainable"].get<bool>();
    c.entries.push_back(p);
  }
  c.init = read_npy(dir + "/init.npy");
  c.grads = read_npy(dir + "/grads.npy");
  c.expected = read_npy(dir + "/expected.npy");
  c.norms = read_npy(dir + "/norms.npy");
  return c;
}

// max |got - want| / max |want| over the buffer.
double rel_error(const float* got, const float* want, int64_t n) {
  double err = 0, scale = 0;
  for (int64_t i = 0; i < n; ++i) {
    err = std::max(err, double(std::fabs(got[i] - want[i])));
    scale = std::max(scale, double(std::fabs(want[i])));
  }
  return err / scale;
}

void run_case(const std::string& name) {
  SCOPED_TRACE(name);
  const OptimCase c = load_case(name);
  const Json& m = c.meta;
  const int64_t total = m["total"].get<int64_t>(), steps = m["steps"].get<int64_t>();
  AdamWConfig cfg;
  cfg.beta1 = m["beta1"].get<double>();
  cfg.beta2 = m["beta2"].get<double>();
  cfg.eps = m["eps"].get<double>();
  cfg.weight_decay = m["weight_decay"].get<double>();
  LrSchedule sched;
  sched.lr = m["lr"].get<double>();
  sched.warmup_steps = m["warmup"].get<int64_t>();
  sched.total_steps = steps;
  sched.decay = parse_lr_decay(m["decay"].get<std::string>());
  sched.min_lr_ratio = m["min_lr_ratio"].get<double>();
  const double clip = m["clip"].get<double>();

  std::vector<float> params(c.init.f32(), c.init.f32() + total), grads(static_cast<size_t>(total));
  AdamWState state;
  state.exp_avg = Tensor::zeros(DType::F32, {total});
  state.exp_avg_sq = Tensor::zeros(DType::F32, {total});
  double worst = 0;
  for (int64_t s = 0; s < steps; ++s) {
    std::memcpy(grads.data(), c.grads.f32() + s * total, sizeof(float) * size_t(total));
    // A gradient on the rule-updated buffer must be ignored by both the norm and the step.
    for (const ParamEntry& e : c.entries)
      if (!e.trainable) std::fill_n(grads.data() + e.offset, e.numel, 100.0f);
    const double norm = clip_grad_norm(c.entries, grads.data(), clip);
    EXPECT_NEAR(norm, c.norms.f32()[s], 1e-6 * norm) << "step " << s;
    adamw_step(c.entries, cfg, lr_at(sched, s), state, params.data(), grads.data());
    const double err = rel_error(params.data(), c.expected.f32() + s * total, total);
    worst = std::max(worst, err);
    EXPECT_LE(err, 1e-6) << "step " << s;
  }
  EXPECT_EQ(state.step, steps);
  std::printf("%s: max relative error over %lld steps %.3g\n", name.c_str(),
              static_cast<long long>(steps), worst);
}

TEST(AdamW, MatchesTorchWithCosineScheduleAndClipping) {
  run_case("cosine_clip");
}
TEST(AdamW, MatchesTorchWithConstantScheduleNoClipping) {
  run_case("constant_noclip");
}
TEST(AdamW, MatchesTorchWithoutDecayCosineToZero) {
  run_case("cosine_floor");
}

TEST(AdamW, FirstStepMovesEveryTrainableWeightByAboutLr) {
  // With m = (1-b1) g and v = (1-b2) g^2 the bias-corrected update is lr * sign(g).
  std::vector<ParamEntry> entries(2);
  entries[0] = {"w", {4}, 0, 4, true, true};
  entries[1] = {"b", {4}, 16, 4, false, false};
  std::vector<float> p(32, 1.0f), g(32, -0.5f);
  AdamWState st;
  st.exp_avg = Tensor::zeros(DType::F32, {32});
  st.exp_avg_sq = Tensor::zeros(DType::F32, {32});
  AdamWConfig cfg;
  cfg.weight_decay = 0.5;
  adamw_step(entries, cfg, 0.01, st, p.data(), g.data());
  EXPECT_NEAR(p[0], 1.0f * (1 - 0.005f) + 0.01f, 1e-6);
  EXPECT_EQ(p[16], 1.0f);  // not trainable
  EXPECT_EQ(p[8], 1.0f);   // padding between tensors is never touched
}

}  // namespace
}  // namespace r1
