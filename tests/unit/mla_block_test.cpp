// The MLA block: forward and backward against PyTorch autograd on model.py's mla_attention and
// f32 finite differences; the absorbed decode path over the latent cache against the forward.
#include "model/blocks/mla.h"

#include <gtest/gtest.h>

#include "block_train_util.h"
#include "checkpoint/presets.h"
#include "kernels/cpu/gemv.h"
#include "model/kv_cache.h"

namespace r1 {
namespace {

using test::BlockCase;
using test::TrainBuffers;

RopeFreqs mla_rope(const ModelConfig& c) {
  return rope_freqs(c.rope, c.qk_rope_head_dim);
}

TEST(MlaBlock, MatchesPyTorchAutograd) {
  for (const char* name : {"mla_q_lora_yarn", "mla_q_proj_two_sequences"}) {
    BlockCase bc = test::load_block_case(name);
    TrainBuffers& b = *bc.buffers;
    const ModelConfig& c = b.config;
    const RopeFreqs rope = mla_rope(c);
    const std::vector<float> x = bc.data.f32("x"), dy = bc.data.f32("dy");
    MlaTape tape;
    std::vector<float> y(x.size()), dx(x.size());
    mla_forward(c, b.w.layers[0].mla, rope, x.data(), bc.T, bc.spans, 0, y.data(),
                ComputeType::F32, &tape);
    test::expect_close(std::string(name) + " y", y, bc.data.f32("y"), test::kTorchRtol);
    mla_backward(c, b.w.layers[0].mla, rope, x.data(), tape, dy.data(), bc.T, bc.spans,
                 b.g.layers[0].mla, dx.data(), ComputeType::F32);
    test::expect_close(std::string(name) + " dx", dx, bc.data.f32("dx"), test::kTorchRtol);
    EXPECT_EQ(test::expect_case_grads(bc), c.q_lora_rank > 0 ? 7 : 5) << name;
  }
}

// The cached path (a first chunk short enough to be absorbed, then one token at a time, every
// row attending over the latent cache with kv_b_proj absorbed) gives the forward's rows.
TEST(MlaBlock, AbsorbedDecodeEqualsForward) {
  for (const char* preset : {"tiny", "tiny-v2"}) {  // q_lora_rank > 0 with YaRN; q_proj
    TrainBuffers b(find_preset(preset).config);
    b.randomise(11, 0.1f);
    const ModelConfig& c = b.config;
    const RopeFreqs rope = mla_rope(c);
    const int64_t T = 13, D = c.hidden_size, first = kGemvMaxTokens;
    const std::vector<float> x = test::random_floats(size_t(T * D), 12);
    std::vector<float> want(x.size()), got(x.size());
    mla_forward(c, b.w.layers[0].mla, rope, x.data(), T, {SeqSpan{0, T, 0, nullptr}}, 0,
                want.data(), ComputeType::F32);
    KvCache cache = KvCache::create(c, T);
    mla_forward(c, b.w.layers[0].mla, rope, x.data(), first, {SeqSpan{0, first, 0, &cache}}, 0,
                got.data(), ComputeType::F32);
    for (int64_t t = first; t < T; ++t)
      mla_forward(c, b.w.layers[0].mla, rope, x.data() + t * D, 1, {SeqSpan{0, 1, t, &cache}}, 0,
                  got.data() + t * D, ComputeType::F32);
    test::expect_close(std::string(preset) + " absorbed decode", got, want, 1e-5);
  }
}

// A small MLA with two packed sequences, so the finite differences stay cheap.
ModelConfig small_mla(int64_t q_lora_rank) {
  ModelConfig c = find_preset("tiny").config;
  c.vocab_size = 32, c.hidden_size = 12, c.num_hidden_layers = 1, c.num_attention_heads = 2;
  c.num_key_value_heads = 2, c.q_lora_rank = q_lora_rank, c.kv_lora_rank = 6;
  c.qk_nope_head_dim = 4, c.qk_rope_head_dim = 4, c.v_head_dim = 3;
  c.n_routed_experts = 0, c.num_nextn_predict_layers = 0;
  return c;
}

TEST(MlaBlock, BackwardMatchesFiniteDifferences) {
  for (int64_t q_lora_rank : {5, 0}) {
    TrainBuffers b(small_mla(q_lora_rank));
    b.randomise(21, 0.4f);
    const ModelConfig& c = b.config;
    const RopeFreqs rope = mla_rope(c);
    const SeqSpans spans = {SeqSpan{0, 3, 0, nullptr}, SeqSpan{3, 4, 0, nullptr}};
    const int64_t T = 7, D = c.hidden_size;
    std::vector<float> x = test::random_floats(size_t(T * D), 22);
    const std::vector<float> dy = test::random_floats(size_t(T * D), 23);
    const MlaWeights& w = b.w.layers[0].mla;
    auto loss = [&] {
      std::vector<float> y(x.size());
      mla_forward(c, w, rope, x.data(), T, spans, 0, y.data(), ComputeType::F32);
      return test::dot(test::to_double(y), dy);
    };
    MlaTape tape;
    std::vector<float> y(x.size()), dx(x.size());
    mla_forward(c, w, rope, x.data(), T, spans, 0, y.data(), ComputeType::F32, &tape);
    mla_backward(c, w, rope, x.data(), tape, dy.data(), T, spans, b.g.layers[0].mla, dx.data(),
                 ComputeType::F32);
    test::expect_input_finite_differences("mla x", x, dx, loss, 24, test::kF32Eps,
                                          test::kF32FiniteDiffRtol);
    EXPECT_EQ(test::expect_param_finite_differences(b, "model.layers.0.self_attn.", loss, 8,
                                                    test::kF32Eps, test::kF32FiniteDiffRtol),
              q_lora_rank > 0 ? 7 : 5);
  }
}

}  // namespace
}  // namespace r1
