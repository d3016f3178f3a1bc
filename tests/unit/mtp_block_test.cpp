// The MTP block: taped over the parameter buffer against Model::mtp_logits of a checkpoint
// written by `r1 init` with the same parameters, PyTorch autograd, and f32 finite differences for
// the hidden states and every module tensor.
#include "model/blocks/mtp.h"

#include <gtest/gtest.h>

#include "block_train_util.h"
#include "checkpoint/model_dir.h"
#include "checkpoint/presets.h"
#include "core/error.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

using test::TrainBuffers;

TEST(MtpBlock, ForwardEqualsModelMtpLogits) {
  const std::string dir = test::make_temp_dir("mtp_train");
  ASSERT_EQ(test::run_r1("init --preset tiny --out " + dir).exit_code, 0);
  const std::unique_ptr<Model> model = ModelDir::open(dir).load_model();
  const ModelConfig& c = model->config();
  TrainBuffers b(c);
  load_params(*b.layout, model->tensors(), b.params.f32());

  const std::vector<int32_t> tokens = {5, 900, 17, 17, 3, 1023, 64, 2};
  Tensor hidden;
  model->forward(tokens, 0, nullptr, &hidden);  // [T, D]
  const Tensor want = model->mtp_logits(tokens, hidden);
  const int64_t R = int64_t(tokens.size()) - 1;
  const RopeFreqs rope = rope_freqs(c.rope, c.qk_rope_head_dim);
  MtpTape tape;
  std::vector<float> got(size_t(R * c.vocab_size));
  mtp_forward(c, b.w.mtp[0], rope, hidden.f32(), tokens.data() + 1, R, {SeqSpan{0, R, 0, nullptr}},
              got.data(), ComputeType::F32, &tape);
  test::expect_close("mtp logits", got, {want.f32(), want.f32() + want.numel()}, 1e-5);
}

TEST(MtpBlock, MatchesPyTorchAutograd) {
  test::BlockCase bc = test::load_block_case("mtp_moe_block");
  TrainBuffers& b = *bc.buffers;
  const ModelConfig& c = b.config;
  const RopeFreqs rope = rope_freqs(c.rope, c.qk_rope_head_dim);
  const std::vector<float> hidden = bc.data.f32("hidden");  // [T, D], rows 0..T-2 used
  const std::vector<int32_t> tokens = bc.data.i32("tokens");
  const std::vector<float> dlogits = bc.data.f32("dy");
  const int64_t R = bc.T;
  MtpTape tape;
  std::vector<float> logits(size_t(R * c.vocab_size)), dh(hidden.size());
  mtp_forward(c, b.w.mtp[0], rope, hidden.data(), tokens.data() + 1, R, bc.spans, logits.data(),
              ComputeType::F32, &tape);
  test::expect_close("mtp logits", logits, bc.data.f32("y"), test::kTorchRtol);
  mtp_backward(c, b.w.mtp[0], rope, hidden.data(), tokens.data() + 1, tape, dlogits.data(), R,
               bc.spans, b.g.mtp[0], dh.data(), ComputeType::F32);
  test::expect_close("mtp dhidden", dh, bc.data.f32("dhidden"), test::kTorchRtol);
  EXPECT_EQ(test::expect_case_grads(bc), 4 + 2 + 7 + 28 + 2);
}

TEST(MtpBlock, RejectsATokenOutsideTheVocabulary) {
  TrainBuffers b(find_preset("tiny").config);
  const ModelConfig& c = b.config;
  const RopeFreqs rope = rope_freqs(c.rope, c.qk_rope_head_dim);
  const std::vector<float> h(size_t(2 * c.hidden_size));
  const std::vector<int32_t> next = {3, int32_t(c.vocab_size)};
  std::vector<float> logits(size_t(2 * c.vocab_size));
  try {
    mtp_forward(c, b.w.mtp[0], rope, h.data(), next.data(), 2, {SeqSpan{0, 2, 0, nullptr}},
                logits.data(), ComputeType::F32);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 1: token 1024 is outside the vocabulary"),
              std::string::npos)
        << e.what();
  }
}

// One main layer and a small MoE MTP module (8 experts in 4 groups).
ModelConfig small_mtp() {
  ModelConfig c = find_preset("tiny").config;
  c.vocab_size = 11, c.hidden_size = 8, c.intermediate_size = 6, c.num_hidden_layers = 1;
  c.first_k_dense_replace = 0, c.num_attention_heads = 2, c.num_key_value_heads = 2;
  c.q_lora_rank = 4, c.kv_lora_rank = 4, c.qk_nope_head_dim = 2, c.qk_rope_head_dim = 2;
  c.v_head_dim = 3, c.n_routed_experts = 8, c.n_group = 4, c.topk_group = 2;
  c.num_experts_per_tok = 3, c.moe_intermediate_size = 5, c.num_nextn_predict_layers = 1;
  return c;
}

TEST(MtpBlock, BackwardMatchesFiniteDifferences) {
  TrainBuffers b(small_mtp());
  b.randomise(81, 0.5f);
  const ModelConfig& c = b.config;
  const RopeFreqs rope = rope_freqs(c.rope, c.qk_rope_head_dim);
  const SeqSpans spans = {SeqSpan{0, 4, 0, nullptr}, SeqSpan{4, 2, 0, nullptr}};
  const int64_t R = 6, D = c.hidden_size, V = c.vocab_size;
  const double alpha = 0.5;
  const std::vector<int32_t> next = {3, 7, 3, 0, 10, 7};  // repeats: embedding rows add up
  std::vector<float> h = test::random_floats(size_t(R * D), 82);
  const std::vector<float> dlogits = test::random_floats(size_t(R * V), 83);
  const MtpWeights& w = b.w.mtp[0];

  MtpTape tape;
  std::vector<float> logits(size_t(R * V)), dh(h.size());
  mtp_forward(c, w, rope, h.data(), next.data(), R, spans, logits.data(), ComputeType::F32, &tape,
              alpha);
  mtp_backward(c, w, rope, h.data(), next.data(), tape, dlogits.data(), R, spans, b.g.mtp[0],
               dh.data(), ComputeType::F32);
  const std::vector<int32_t> routing = tape.block.moe.routing.experts;
  int flips = 0;
  auto loss = [&] {
    MtpTape s;
    std::vector<float> out(size_t(R * V));
    mtp_forward(c, w, rope, h.data(), next.data(), R, spans, out.data(), ComputeType::F32, &s,
                alpha);
    flips += s.block.moe.routing.experts != routing;
    return test::dot(test::to_double(out), dlogits) + s.block.balance_loss;
  };
  test::expect_input_finite_differences("mtp h", h, dh, loss, 24, test::kF32Eps,
                                        test::kF32FiniteDiffRtol);
  // embed, enorm, hnorm, eh_proj, 2 norms + 7 MLA + 28 MoE tensors, shared_head norm and head.
  EXPECT_EQ(test::expect_param_finite_differences(b, "model.layers.1.", loss, 6, test::kF32Eps,
                                                  test::kF32FiniteDiffRtol),
            4 + 2 + 7 + 28 + 2);
  EXPECT_EQ(flips, 0) << "a finite-difference step changed the routing";
}

}  // namespace
}  // namespace r1
