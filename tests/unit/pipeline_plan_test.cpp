// How a pipeline splits the layers: balanced by bytes with rank 0's embedding and head counted,
// the user's --pipeline-layers, and the errors of both; a model's bytes per layer add up to all.
#include "infer/pipeline_plan.h"

#include <gtest/gtest.h>

#include <numeric>

#include "checkpoint/presets.h"
#include "core/error.h"
#include "model/param_layout.h"
#include "model/param_source.h"
#include "model/weight_specs.h"

namespace r1 {
namespace {

using Counts = std::vector<int64_t>;

TEST(PipelinePlan, BalancesBytesWithTheEndsOnRankZero) {
  ModelBytes b{{10, 10, 10, 10}, 0};
  PipelinePlan p = plan_pipeline(b, 2, {});
  EXPECT_EQ(p.first, (Counts{0, 2, 4}));
  EXPECT_EQ(p.bytes, (Counts{20, 20}));
  // The embedding and head weigh on rank 0: it takes one layer (25 vs 30, not 35 vs 20).
  b.ends = 15;
  p = plan_pipeline(b, 2, {});
  EXPECT_EQ(p.first, (Counts{0, 1, 4}));
  EXPECT_EQ(p.bytes, (Counts{25, 30}));
  EXPECT_TRUE(p.part(0).ends);
  EXPECT_FALSE(p.part(1).ends);
  EXPECT_EQ(p.part(1).first, 1);
  EXPECT_EQ(p.part(1).end, 4);
  // Uneven layers; every rank keeps at least one even when the ends outweigh them all.
  p = plan_pipeline({{1, 1, 8, 1, 1, 8}, 0}, 3, {});
  EXPECT_EQ(p.first, (Counts{0, 2, 4, 6}));
  p = plan_pipeline({{1, 1, 1}, 100}, 3, {});
  EXPECT_EQ(p.first, (Counts{0, 1, 2, 3}));
  p = plan_pipeline({{4, 4}, 1}, 1, {});
  EXPECT_EQ(p.first, (Counts{0, 2}));
  EXPECT_EQ(p.bytes, (Counts{9}));
}

TEST(PipelinePlan, TakesTheUsersCountsAndRefusesWrongOnes) {
  const ModelBytes b{{10, 10, 10, 10}, 15};
  const PipelinePlan p = plan_pipeline(b, 2, {3, 1});
  EXPECT_EQ(p.first, (Counts{0, 3, 4}));
  EXPECT_EQ(p.bytes, (Counts{45, 10}));
  auto message = [&](int ranks, const Counts& counts) -> std::string {
    try {
      plan_pipeline(b, ranks, counts);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message(5, {}),
            "mpirun started 5 ranks but the model has 4 decoder layers: a pipeline needs at "
            "least one layer per rank (run at most 4 ranks)");
  EXPECT_EQ(message(2, {1, 2}), "--pipeline-layers 1,2 adds up to 3 layers but the model has 4");
  EXPECT_EQ(message(3, {2, 2}),
            "--pipeline-layers 2,2 gives layers to 2 ranks but the run has 3 (mpirun -np sets it)");
}

TEST(PipelinePlan, ParsesLayerCounts) {
  EXPECT_EQ(parse_layer_counts(""), Counts{});
  EXPECT_EQ(parse_layer_counts("10,14"), (Counts{10, 14}));
  EXPECT_EQ(parse_layer_counts("7"), Counts{7});
  for (const char* bad : {"0,3", "a", "1,,2", "-1,2", "1,", " 1", "99999999999"})
    EXPECT_THROW(parse_layer_counts(bad), UsageError) << bad;
}

TEST(PipelinePlan, ModelBytesCountEveryTensorOnce) {
  for (const char* preset : {"tiny", "tiny-qwen2"}) {
    const ModelConfig c = find_preset(preset).config;
    const ParamLayout layout(c);
    std::vector<float> params(size_t(layout.total()));
    const ModelBytes b = model_bytes(c, ParamSource(layout, params.data(), preset));
    ASSERT_EQ(int64_t(b.layers.size()), c.num_hidden_layers);
    int64_t f32_bytes = 0;
    for (const WeightSpec& s : weight_specs(c)) f32_bytes += shape_numel(s.shape) * 4;
    EXPECT_EQ(std::accumulate(b.layers.begin(), b.layers.end(), b.ends), f32_bytes) << preset;
    for (int64_t l : b.layers) EXPECT_GT(l, 0) << preset;
    EXPECT_GE(b.ends, c.vocab_size * c.hidden_size * 4) << preset;
  }
}

}  // namespace
}  // namespace r1
