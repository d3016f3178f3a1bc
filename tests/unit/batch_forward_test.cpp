// Batched forward: several sequences of different lengths and positions in one pass give the
// same logits as running each alone through its own cache.
#include <gtest/gtest.h>

#include <cmath>

#include "checkpoint/model_dir.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

double max_abs_diff(const float* a, const float* b, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
  return m;
}

void expect_batched_equals_alone(const char* preset, const char* dtype, double tolerance);

TEST(BatchForward, MatchesSequentialRuns) {
  for (const char* preset : {"tiny", "tiny-qwen2", "tiny-v2"})
    expect_batched_equals_alone(preset, "f32", 1e-4);
}

// bf16 weights: every linear layer gives a token the same bits in any batch, so a sequence's
// logits are exactly what it gets alone (batch-invariant decode).
TEST(BatchForward, Bf16IsBatchInvariant) {
  for (const char* preset : {"tiny", "tiny-qwen2", "tiny-v2"})
    expect_batched_equals_alone(preset, "bf16", 0.0);
}

void expect_batched_equals_alone(const char* preset, const char* dtype, double tolerance) {
  {
    const std::string dir = test::make_temp_dir("batch");
    ASSERT_EQ(test::run_r1(std::string("init --preset ") + preset + " --dtype " + dtype +
                           " --out " + dir).exit_code,
              0);
    auto model = ModelDir::open(dir).load_model();
    const int64_t V = model->config().vocab_size;
    // Six sequences: decode passes have more rows than the GEMV kernels take (kGemvMaxTokens).
    const std::vector<std::vector<int32_t>> prompts = {{1, 2, 3, 4, 5}, {7}, {9, 8, 7}, {3}, {4, 4}, {6}};
    // Alone: prefill, then two decode steps each.
    std::vector<KvCache> alone, batched;
    std::vector<std::vector<float>> want;  // per sequence: last-token logits of each pass
    for (const auto& p : prompts) {
      alone.push_back(KvCache::create(model->config(), 16));
      KvCache& c = alone.back();
      std::vector<float> rows;
      Tensor l = model->forward(p, 0, &c);
      rows.insert(rows.end(), l.f32() + (l.dim(0) - 1) * V, l.f32() + l.dim(0) * V);
      for (int32_t tok : {11, 12}) {
        l = model->forward({tok}, c.length, &c);
        rows.insert(rows.end(), l.f32(), l.f32() + V);
      }
      want.push_back(rows);
    }
    for (size_t i = 0; i < prompts.size(); ++i)
      batched.push_back(KvCache::create(model->config(), 16));
    std::vector<Model::SequenceStep> steps;
    for (size_t i = 0; i < prompts.size(); ++i) steps.push_back({prompts[i], &batched[i]});
    std::vector<Tensor> passes = {model->forward_batch(steps, false)};
    for (int32_t tok : {11, 12}) {
      for (auto& s : steps) s.tokens = {tok};
      passes.push_back(model->forward_batch(steps, false));
    }
    for (size_t pass = 0; pass < passes.size(); ++pass) {
      ASSERT_EQ(passes[pass].dim(0), int64_t(prompts.size()));
      for (size_t i = 0; i < prompts.size(); ++i)
        EXPECT_LT(max_abs_diff(passes[pass].f32() + int64_t(i) * V,
                               want[i].data() + int64_t(pass) * V, V),
                  tolerance + 1e-30)
            << preset << " pass " << pass << " sequence " << i;
    }
    for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(batched[i].length, alone[i].length);
    // all_logits returns every row.
    KvCache extra = KvCache::create(model->config(), 8);
    EXPECT_EQ(model->forward_batch({{{1, 2, 3}, &extra}}, true).dim(0), 3);
  }
}

}  // namespace
}  // namespace r1
