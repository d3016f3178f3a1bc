// ParamLayout packs every checkpoint tensor into one buffer; weights_view points into it.
#include "model/param_layout.h"

#include <gtest/gtest.h>

#include "checkpoint/presets.h"
#include "checkpoint/safetensors_source.h"
#include "io/safetensors.h"
#include "model/weights.h"
#include "model/weight_specs.h"
#include "test_util.h"

namespace r1 {
namespace {

TEST(ParamLayout, PacksEveryTensorAlignedWithoutOverlap) {
  const ModelConfig& c = find_preset("tiny").config;
  const ParamLayout layout(c);
  const std::vector<WeightSpec> specs = weight_specs(c);
  ASSERT_EQ(layout.entries().size(), specs.size());
  int64_t end = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    const ParamEntry& e = layout.entries()[i];
    EXPECT_EQ(e.name, specs[i].name);
    EXPECT_EQ(e.offset % 16, 0) << e.name;
    EXPECT_GE(e.offset, end) << e.name;
    end = e.offset + e.numel;
    EXPECT_EQ(e.weight_decay, e.shape.size() >= 2 && e.trainable) << e.name;
    EXPECT_EQ(e.trainable, e.name.find("e_score_correction_bias") == std::string::npos);
  }
  EXPECT_GE(layout.total(), end);
  EXPECT_LT(layout.total(), end + 16);
}

TEST(ParamLayout, LoadsACheckpointAndViewsItLikeTheModel) {
  for (const char* preset : {"tiny", "tiny-qwen2"}) {
    const std::string dir = test::make_temp_dir("params");
    ASSERT_EQ(test::run_r1(std::string("init --preset ") + preset + " --out " + dir).exit_code,
              0);
    const ModelConfig& c = find_preset(preset).config;
    const ParamLayout layout(c);
    Tensor params = make_param_buffer(layout);
    const SafetensorsSource source(WeightStore::open_dir(dir));
    load_params(layout, source, params.f32());
    for (const auto& [name, view] : param_tensors(layout, params.f32())) {
      const Tensor stored = to_f32(source.get(name));
      ASSERT_EQ(view.shape, stored.shape) << name;
      for (int64_t i = 0; i < stored.numel(); ++i)
        ASSERT_EQ(view.f32()[i], stored.f32()[i]) << name << " [" << i << "]";
    }

    const ModelWeights w = weights_view(c, layout, params.f32(), "parameters");
    ASSERT_EQ(int64_t(w.layers.size()), c.num_hidden_layers);
    EXPECT_EQ(w.embed.data, params.f32() + layout.at("model.embed_tokens.weight").offset);
    EXPECT_EQ(w.lm_head.w.data == w.embed.data, c.tie_word_embeddings);
    const BlockWeights& last = w.layers.back();
    if (c.is_deepseek()) {
      EXPECT_EQ(last.mla.o_proj.weight.rows(), c.hidden_size);
      EXPECT_EQ(last.mla.o_proj.weight.cols(), c.num_attention_heads * c.v_head_dim);
      EXPECT_EQ(last.is_moe, c.is_moe_layer(c.num_hidden_layers - 1));
      ASSERT_EQ(int64_t(w.mtp.size()), c.num_nextn_predict_layers);
      EXPECT_EQ(int64_t(last.moe.experts.size()), c.n_routed_experts);
    } else {
      EXPECT_TRUE(last.gqa.q.bias.defined());  // Qwen2: q/k/v bias
      EXPECT_FALSE(last.gqa.o.bias.defined());
      EXPECT_EQ(last.gqa.k.weight.rows(), c.num_key_value_heads * c.head_dim);
    }
  }
}

}  // namespace
}  // namespace r1
