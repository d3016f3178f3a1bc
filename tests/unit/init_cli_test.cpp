// `r1 init` options: --config, --tokenizer, size-math-only presets and bad arguments.
#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoint/config_json.h"
#include "io/json_file.h"
#include "io_test_util.h"
#include "model/config.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace r1 {
namespace {

TEST(InitCli, CopiesTokenizerFiles) {
  const std::string tok = test::make_temp_dir("tok"), out = test::make_temp_dir("out") + "/m";
  const std::string demo_tok = std::string(R1_SOURCE_DIR) + "/demo/base/student/tokenizer.json";
  fs::copy_file(demo_tok, tok + "/tokenizer.json");
  testing::write_bytes(tok + "/tokenizer_config.json", "{}");
  auto r = test::run_r1("init --preset tiny-qwen2 --out " + out + " --tokenizer " + tok);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(testing::read_bytes(out + "/tokenizer.json"), testing::read_bytes(demo_tok));
  EXPECT_TRUE(fs::exists(out + "/tokenizer_config.json"));

  fs::remove(tok + "/tokenizer.json");
  r = test::run_r1("init --preset tiny-qwen2 --out " + out + " --tokenizer " + tok + " --overwrite");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("tokenizer.json"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out + "/model.safetensors")) << "checked before the old model goes";
}

// A tokenizer with ids beyond the model's vocabulary is refused at init (nothing written) and
// when a model with one is opened, in one line naming both sizes.
TEST(InitCli, TokenizerLargerThanTheVocabularyIsRefused) {
  const std::string big = std::string(R1_TOKENIZER_VECTORS_DIR) + "/deepseek_r1";
  const std::string out = test::make_temp_dir("out") + "/m";
  auto r = test::run_r1("init --preset tiny --out " + out + " --tokenizer " + big);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("the tokenizer has 128815 token ids (0..128814) but the model's "
                       "vocab_size is 1024"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(out));
  ASSERT_EQ(test::run_r1("init --preset tiny --out " + out).exit_code, 0);
  fs::copy_file(big + "/tokenizer.json", out + "/tokenizer.json");
  for (const std::string cmd : {"generate --prompt hi -n 1 --model ", "eval --task variables "
                                "--problems 1 --model "}) {
    r = test::run_r1(cmd + out);
    EXPECT_EQ(r.exit_code, 2) << cmd << r.out;
    EXPECT_NE(r.out.find(out + ": the tokenizer has 128815 token ids"), std::string::npos)
        << r.out;
  }
}

// An existing model is replaced only with --overwrite, and then whole: no shard, optimizer
// state or tokenizer file of the old one stays beside the new one.
TEST(InitCli, ReplacesAModelOnlyWithOverwrite) {
  const std::string out = test::make_temp_dir("again") + "/m";
  ASSERT_EQ(test::run_r1("init --preset tiny --dtype f32 --out " + out).exit_code, 0);
  testing::write_bytes(out + "/trainer_state.json", "{}");
  const std::string weights = testing::read_bytes(out + "/model.safetensors");
  auto r = test::run_r1("init --preset tiny --dtype f32 --seed 3 --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--out " + out + " already holds a checkpoint; pass --overwrite to replace it"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(testing::read_bytes(out + "/model.safetensors"), weights);
  r = test::run_r1("init --preset tiny --dtype f32 --seed 3 --shards 2 --overwrite --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_FALSE(fs::exists(out + "/model.safetensors"));
  EXPECT_FALSE(fs::exists(out + "/trainer_state.json"));
  EXPECT_TRUE(fs::exists(out + "/model.safetensors.index.json"));

  const std::string gguf = test::make_temp_dir("again") + "/m.gguf";
  ASSERT_EQ(test::run_r1("convert --quiet --type f32 --model " + out + " --out " + gguf).exit_code, 0);
  r = test::run_r1("convert --quiet --type f32 --model " + out + " --out " + gguf);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(gguf + " already holds a file of"), std::string::npos) << r.out;
  r = test::run_r1("convert --quiet --type f32 --overwrite --model " + out + " --out " + gguf);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(InitCli, FromConfigFileKeepsEveryField) {
  const std::string a = test::make_temp_dir("cfg_a"), b = test::make_temp_dir("cfg_b");
  ASSERT_EQ(test::run_r1("init --preset tiny --dtype fp8 --out " + a).exit_code, 0);
  auto r = test::run_r1("init --config " + a + "/config.json --dtype fp8 --out " + b);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(load_model_config(a + "/config.json"), load_model_config(b + "/config.json"));
  EXPECT_TRUE(load_model_config(b + "/config.json").fp8);
}

TEST(InitCli, SizeMathOnlyPresetWritesConfigOnly) {
  const std::string out = test::make_temp_dir("big");
  auto r = test::run_r1("init --preset deepseek-v3-671b --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(out + "/config.json"));
  EXPECT_FALSE(fs::exists(out + "/model.safetensors"));
  r = test::run_r1("info --model " + out + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Json j = Json::parse(r.out);
  EXPECT_NEAR(double(j["params_total"].get<int64_t>()) / 1e9, 671.0, 0.5);
  EXPECT_NEAR(double(j["params_active_per_token"].get<int64_t>()) / 1e9, 37.5, 0.5);
  EXPECT_EQ(j["kv_cache_bytes_per_token"].get<int64_t>(), 61 * (512 + 64) * 4);
}

TEST(InitCli, BadArguments) {
  const std::string out = test::make_temp_dir("args");
  EXPECT_EQ(test::run_r1("init --preset tiny --dtype q3 --out " + out).exit_code, 2);
  EXPECT_EQ(test::run_r1("init --preset nope --out " + out).exit_code, 2);
  EXPECT_EQ(test::run_r1("init --out " + out).exit_code, 2);
  EXPECT_EQ(test::run_r1("init --preset tiny --shards 0 --out " + out).exit_code, 2);
  auto r = test::run_r1("init --config " + out + "/missing.json --out " + out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("missing.json"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace r1
