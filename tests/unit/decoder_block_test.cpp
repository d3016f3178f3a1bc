// The pre-norm decoder block (MLA attention, dense and MoE FFN): the untaped inference forward
// against the taped one, and f32 finite differences including the balance loss.
#include "model/blocks/decoder_block.h"

#include <gtest/gtest.h>

#include "block_train_util.h"
#include "checkpoint/presets.h"

namespace r1 {
namespace {

using test::TrainBuffers;

TEST(DecoderBlock, InferenceForwardEqualsTapedForward) {
  TrainBuffers b(find_preset("tiny").config);  // layer 0 dense, layer 1 MoE
  b.randomise(61, 0.1f);
  const ModelConfig& c = b.config;
  const RopeFreqs rope = rope_freqs(c.rope, c.qk_rope_head_dim);
  const int64_t T = 11, D = c.hidden_size;
  const SeqSpans spans = {SeqSpan{0, T, 0, nullptr}};
  for (int64_t layer : {0, 1}) {
    const std::vector<float> x = test::random_floats(size_t(T * D), 62);
    BlockTape tape;
    std::vector<float> got = x, want = x;
    decoder_block_forward(c, b.w.layers[size_t(layer)], rope, want.data(), T, spans, layer,
                          ComputeType::F32, &tape);
    decoder_block_forward(c, b.w.layers[size_t(layer)], rope, got.data(), T, spans, layer,
                          ComputeType::F32);
    test::expect_close("decoder block layer " + std::to_string(layer), got, want, 1e-5);
    EXPECT_EQ(tape.balance_loss, 0.0);
  }
}

// Two layers at small sizes: a dense one and an MoE one (8 experts in 4 groups).
ModelConfig small_blocks() {
  ModelConfig c = find_preset("tiny").config;
  c.vocab_size = 32, c.hidden_size = 8, c.intermediate_size = 6, c.num_hidden_layers = 2;
  c.first_k_dense_replace = 1, c.num_attention_heads = 2, c.num_key_value_heads = 2;
  c.q_lora_rank = 4, c.kv_lora_rank = 4, c.qk_nope_head_dim = 2, c.qk_rope_head_dim = 2;
  c.v_head_dim = 3, c.n_routed_experts = 8, c.n_group = 4, c.topk_group = 2;
  c.num_experts_per_tok = 3, c.moe_intermediate_size = 5, c.num_nextn_predict_layers = 0;
  return c;
}

TEST(DecoderBlock, BackwardMatchesFiniteDifferences) {
  TrainBuffers b(small_blocks());
  b.randomise(71, 0.5f);
  const ModelConfig& c = b.config;
  const RopeFreqs rope = rope_freqs(c.rope, c.qk_rope_head_dim);
  const SeqSpans spans = {SeqSpan{0, 3, 0, nullptr}, SeqSpan{3, 3, 0, nullptr}};
  const int64_t T = 6, D = c.hidden_size;
  const double alpha = 0.5;
  for (int64_t layer : {0, 1}) {
    const BlockWeights& w = b.w.layers[size_t(layer)];
    std::vector<float> x = test::random_floats(size_t(T * D), 72);
    const std::vector<float> dout = test::random_floats(size_t(T * D), 73);
    BlockTape tape;
    std::vector<float> out = x, dx(x.size());
    decoder_block_forward(c, w, rope, out.data(), T, spans, layer, ComputeType::F32, &tape, alpha);
    EXPECT_EQ(tape.balance_loss > 0.0, w.is_moe);
    decoder_block_backward(c, w, rope, x.data(), tape, dout.data(), T, spans,
                           b.g.layers[size_t(layer)], dx.data(), ComputeType::F32);
    const std::vector<int32_t> routing = tape.moe.routing.experts;
    int flips = 0;
    auto loss = [&] {
      BlockTape s;
      std::vector<float> y = x;
      decoder_block_forward(c, w, rope, y.data(), T, spans, layer, ComputeType::F32, &s, alpha);
      flips += s.moe.routing.experts != routing;
      return test::dot(test::to_double(y), dout) + s.balance_loss;
    };
    const std::string prefix = "model.layers." + std::to_string(layer) + ".";
    test::expect_input_finite_differences(prefix + " x", x, dx, loss, 24, test::kF32Eps,
                                          test::kF32FiniteDiffRtol);
    const int mlp_tensors = w.is_moe ? 1 + 3 * 8 + 3 : 3;
    EXPECT_EQ(test::expect_param_finite_differences(b, prefix, loss, 6, test::kF32Eps,
                                                    test::kF32FiniteDiffRtol),
              2 + 7 + mlp_tensors);
    EXPECT_EQ(flips, 0) << "a finite-difference step changed the routing";
  }
}

}  // namespace
}  // namespace r1
