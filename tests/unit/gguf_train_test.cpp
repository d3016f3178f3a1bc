// Training from a GGUF file: the weights (f32, bf16, q8_0; MLA's kv_b whole or split) are
// loaded into the f32 parameters; `r1 sft`'s first loss, `r1 grpo`'s first step (and
// `r1 distill`'s, in distill_cli_test) equal those from the safetensors directory of the same
// model, and the checkpoint written is a complete model directory with the GGUF's tokenizer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checkpoint/model_dir.h"
#include "gguf_fixture.h"
#include "test_util.h"
#include "train/metrics.h"
#include "train/sft_data.h"

namespace r1 {
namespace {

namespace fs = std::filesystem;

// Chat-masked SFT data with ids below the test tokenizers' 600: two examples of prompt + answer.
std::string sft_data(const std::string& dir) {
  std::vector<uint32_t> ids;
  std::string mask;
  auto add = [&](int prompt, int answer) {
    for (int i = 0; i < prompt + answer; ++i) {
      ids.push_back(uint32_t(5 + (ids.size() * 37) % 590));
      uint8_t m = i >= prompt ? kMaskLoss : 0;
      if (i == 0) m |= kMaskStart;
      mask.push_back(char(m));
    }
  };
  add(3, 6);
  add(4, 5);
  std::ofstream(dir + "/chat.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(ids.data()), std::streamsize(ids.size() * 4));
  std::ofstream(dir + "/chat.mask", std::ios::binary) << mask;
  return dir + "/chat.bin";
}

struct SftRun {
  test::RunResult result;
  double first_loss = NAN;
};

// One SFT step of `model` into dir/out; the first step's loss.
SftRun sft_step(const std::string& model, const std::string& dir, const std::string& out) {
  SftRun r;
  r.result = test::run_r1("sft --model " + model + " --data " + sft_data(dir) + " --out " + dir +
                          "/" + out + " --steps 1 --batch 2 --seq-len 8 --mtp-lambda 0 " +
                          "--data-order sequential -q -t 2");
  if (r.result.exit_code == 0)
    r.first_loss = read_metrics(dir + "/" + out + ".metrics.jsonl").at(0).at("loss").get<double>();
  return r;
}

TEST(GgufTrain, F32GgufTrainsLikeItsDirectory) {
  const std::string dir = test::make_temp_dir("gguf_train_f32");
  for (const auto& [preset, layout] :
       {std::pair{"tiny", MlaLayout::KvB}, std::pair{"tiny", MlaLayout::KbVb},
        std::pair{"tiny-qwen2", MlaLayout::KvB}}) {
    const std::string tag = std::string(preset) + (layout == MlaLayout::KbVb ? "-split" : "");
    const SftRun want = sft_step(test::gguf_test_model(preset), dir, tag + "-dir");
    const SftRun got =
        sft_step(test::gguf_test_file(preset, GgufOutType::F32, layout), dir, tag + "-gguf");
    ASSERT_EQ(want.result.exit_code, 0) << want.result.out;
    ASSERT_EQ(got.result.exit_code, 0) << got.result.out;
    EXPECT_NEAR(got.first_loss, want.first_loss, 1e-5 * want.first_loss) << tag;
    EXPECT_EQ(got.result.out.find("dequantised"), std::string::npos) << got.result.out;
  }
}

TEST(GgufTrain, Bf16GgufTrainsLikeTheBf16Directory) {
  const std::string dir = test::make_temp_dir("gguf_train_bf16");
  ASSERT_EQ(test::run_r1("convert --model " + test::gguf_test_model("tiny") + " --out " + dir +
                         "/bf16 --type bf16 --quiet")
                .exit_code,
            0);
  ASSERT_EQ(test::run_r1("convert --model " + dir + "/bf16 --out " + dir +
                         "/bf16.gguf --type bf16 --layout k_b_v_b --quiet")
                .exit_code,
            0);
  const SftRun want = sft_step(dir + "/bf16", dir, "dir");
  const SftRun got = sft_step(dir + "/bf16.gguf", dir, "gguf");
  ASSERT_EQ(want.result.exit_code, 0) << want.result.out;
  ASSERT_EQ(got.result.exit_code, 0) << got.result.out;
  EXPECT_NEAR(got.first_loss, want.first_loss, 1e-5 * want.first_loss);
}

TEST(GgufTrain, Q8GgufIsDequantisedWithANoteAndSavesAFullModelDirectory) {
  const std::string dir = test::make_temp_dir("gguf_train_q8");
  const std::string gguf = test::gguf_test_file("tiny", GgufOutType::Q8_0);
  const SftRun want = sft_step(test::gguf_test_model("tiny"), dir, "dir");
  const SftRun got = sft_step(gguf, dir, "q8");
  ASSERT_EQ(got.result.exit_code, 0) << got.result.out;
  EXPECT_NE(got.result.out.find(gguf + ": Q8_0 weights dequantised to f32 for training"),
            std::string::npos)
      << got.result.out;
  // Q8_0's rounding moves the loss a little, not more.
  EXPECT_NEAR(got.first_loss, want.first_loss, 0.01 * want.first_loss);
  // The checkpoint is a model directory with the GGUF's tokenizer, stop ids and template.
  const ModelDir source = ModelDir::open(gguf), saved = ModelDir::open(dir + "/q8");
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(dir + "/q8/" + f)) << f;
  ASSERT_NE(saved.tokenizer(), nullptr);
  const std::string text = "Hello world, 1+1=2.\n";
  EXPECT_EQ(saved.tokenizer()->encode(text, true), source.tokenizer()->encode(text, true));
  EXPECT_EQ(saved.stop_ids(), source.stop_ids());
  EXPECT_EQ(saved.config().vocab_size, source.config().vocab_size);
}

TEST(GgufTrain, RopeFreqsGgufIsRefusedInOneLine) {
  const std::string dir = test::make_temp_dir("gguf_train_llama");
  const std::string gguf = test::gguf_test_file("tiny-llama", GgufOutType::F32);
  const SftRun r = sft_step(gguf, dir, "out");
  EXPECT_EQ(r.result.exit_code, 1) << r.result.out;
  EXPECT_NE(r.result.out.find(gguf + ": has rope_freqs"), std::string::npos) << r.result.out;
  EXPECT_FALSE(fs::exists(dir + "/out"));
}

// One GRPO step of `model` into dir/out: the step's metrics.
Json grpo_step(const std::string& model, const std::string& dir, const std::string& out) {
  const test::RunResult r =
      test::run_r1("grpo --model " + model + " --out " + dir + "/" + out +
                   " --task arithmetic --knob digits=1 --problems 20 --steps 1 --prompts 2 "
                   "--group 4 --max-tokens 6 --lr 1e-3 --beta 0.01 --seed 7 --quiet -t 2");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  if (r.exit_code != 0) return Json();
  return read_metrics(dir + "/" + out + ".metrics.jsonl").at(0);
}

TEST(GgufTrain, GrpoFromGgufStepsLikeItsDirectory) {
  const std::string dir = test::make_temp_dir("gguf_train_grpo");
  const Json want = grpo_step(test::gguf_test_model("tiny"), dir, "dir");
  const Json got = grpo_step(test::gguf_test_file("tiny", GgufOutType::F32), dir, "gguf");
  ASSERT_FALSE(want.is_null());
  ASSERT_FALSE(got.is_null());
  // The same weights sample the same rollouts and take the same step.
  EXPECT_EQ(got.at("generated_tokens"), want.at("generated_tokens"));
  for (const char* key : {"reward_mean", "response_length_mean", "kl", "grad_norm"})
    EXPECT_NEAR(got.at(key).get<double>(), want.at(key).get<double>(),
                1e-5 * (1.0 + std::abs(want.at(key).get<double>())))
        << key;
  EXPECT_TRUE(fs::exists(dir + "/gguf/config.json"));
}

}  // namespace
}  // namespace r1
