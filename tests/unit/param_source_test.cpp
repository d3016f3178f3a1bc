// A Model over a ParamSource runs the parameter buffer in place: same logits as the checkpoint
// it was loaded from, and it follows later writes into the buffer (the rollout engine relies
// on this to sample from the policy being trained).
#include "model/param_source.h"

#include <gtest/gtest.h>

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

Tensor logits_of(const Model& m, const std::vector<int32_t>& tokens) {
  return m.forward(tokens, 0, nullptr);
}

TEST(ParamSource, ModelOverParamsEqualsTheCheckpointAndFollowsUpdates) {
  for (const char* preset : {"tiny", "tiny-qwen2"}) {
    const std::string dir = test::make_temp_dir("psrc");
    ASSERT_EQ(test::run_r1(std::string("init --preset ") + preset + " --dtype f32 --out " + dir)
                  .exit_code,
              0);
    const auto loaded = ModelDir::open(dir).load_model();
    const ModelConfig& c = loaded->config();
    const ParamLayout layout(c);
    Tensor params = make_param_buffer(layout);
    load_params(layout, loaded->tensors(), params.f32());
    const auto live =
        Model::from_source("params", c, std::make_unique<ParamSource>(layout, params.f32(), "params"));
    const std::vector<int32_t> tokens = {5, 17, 3, 250, 9, 1};
    const Tensor a = logits_of(*loaded, tokens), b = logits_of(*live, tokens);
    ASSERT_EQ(a.numel(), b.numel());
    for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.f32()[i], b.f32()[i]) << preset << " " << i;

    // Write into every tensor of the buffer (1-D ones and the router included): the live model
    // must now equal a model over a separate copy of the changed buffer, and differ from before.
    for (int64_t i = 0; i < layout.total(); ++i) params.f32()[i] *= (i % 3 == 0) ? 1.25f : 0.9f;
    Tensor copy = make_param_buffer(layout);
    std::copy_n(params.f32(), layout.total(), copy.f32());
    const auto fresh =
        Model::from_source("copy", c, std::make_unique<ParamSource>(layout, copy.f32(), "copy"));
    const Tensor after = logits_of(*live, tokens), expected = logits_of(*fresh, tokens);
    bool changed = false;
    for (int64_t i = 0; i < a.numel(); ++i) {
      ASSERT_EQ(after.f32()[i], expected.f32()[i]) << preset << " " << i;
      changed = changed || after.f32()[i] != a.f32()[i];
    }
    EXPECT_TRUE(changed) << preset;
  }
}

TEST(ParamSource, NamesAbsentTensorsClearly) {
  const ModelConfig c =
      ModelDir::open([] {
        const std::string dir = test::make_temp_dir("psrc2");
        EXPECT_EQ(test::run_r1("init --preset tiny-qwen2 --dtype f32 --out " + dir).exit_code, 0);
        return dir;
      }())
          .load_model()
          ->config();
  const ParamLayout layout(c);
  Tensor params = make_param_buffer(layout);
  const ParamSource src(layout, params.f32(), "policy");
  EXPECT_TRUE(src.has("model.embed_tokens.weight"));
  EXPECT_FALSE(src.has("nope"));
  try {
    src.get("nope");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("policy: has no tensor 'nope'"), std::string::npos);
  }
}

}  // namespace
}  // namespace r1
