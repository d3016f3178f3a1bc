// `r1 grpo` and `r1 eval` end to end on a tiny model with a trained tokenizer: checkpoint and
// per-step metrics written, eval's summary equals what its per-sample file says, bad flags are
// one clear error.
#include <gtest/gtest.h>

#include <fstream>

#include "io/json_file.h"
#include "test_util.h"

namespace r1 {
namespace {

std::string tiny_model_with_tokenizer() {
  const std::string dir = test::make_temp_dir("grpocli");
  auto r = test::run_r1("tokenizer train --quiet --vocab-size 600 --corpus " +
                        std::string(R1_TRAINED_TOKENIZER_DIR) + "/corpus.txt --out " + dir + "/tok");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("init --preset tiny --out " + dir + "/model --tokenizer " + dir + "/tok");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return dir;
}

std::vector<Json> read_jsonl(const std::string& path) {
  std::vector<Json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(Json::parse(line));
  return out;
}

TEST(CmdGrpo, RunsStepsWritesMetricsAndACheckpoint) {
  const std::string dir = tiny_model_with_tokenizer();
  const auto r = test::run_r1("grpo --model " + dir + "/model --out " + dir +
                              "/rl --task arithmetic --knob digits=1 --problems 50 --steps 2 --prompts 2 "
                              "--group 4 --max-tokens 8 --lr 1e-3 --mu 2 --beta 0.01 --quiet "
                              "--eval-every 1 --eval-problems 3");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("grpo: 2 steps"), std::string::npos) << r.out;
  const std::vector<Json> m = read_jsonl(dir + "/rl.metrics.jsonl");
  ASSERT_EQ(m.size(), 2u);
  for (const char* key : {"reward_mean", "reward_std", "accuracy", "format_rate",
                          "response_length_mean", "response_length_max", "kl", "clip_fraction",
                          "zero_std_fraction", "generation_tokens_per_s", "generation_share",
                          "training_s", "grad_norm", "lr"})
    EXPECT_TRUE(m[1].contains(key)) << key;
  EXPECT_EQ(m[1]["step"], 1);
  EXPECT_TRUE(m[0].contains("eval_pass@1_before"));
  for (const Json& rec : m) {
    EXPECT_TRUE(rec.contains("eval_pass@1"));
    EXPECT_TRUE(rec.contains("eval_response_length"));
  }
  EXPECT_NE(r.out.find("held-out pass@1"), std::string::npos) << r.out;
  const int64_t generated = m[0]["generated_tokens"].get<int64_t>();
  EXPECT_GE(generated, 8);  // 2 prompts x 4 samples x 1..8 tokens
  EXPECT_LE(generated, 64);
  EXPECT_LE(m[0]["response_length_max"].get<int64_t>(), 8);
  // The saved policy is a model the other commands load.
  const auto e = test::run_r1("eval --model " + dir + "/rl --task arithmetic --knob digits=1 "
                              "--problems 3 -n 4 --json --quiet");
  EXPECT_EQ(e.exit_code, 0) << e.out;
}

TEST(CmdEval, SummaryEqualsThePerSampleRecords) {
  const std::string dir = tiny_model_with_tokenizer();
  const auto r = test::run_r1("eval --model " + dir + "/model --task countdown --problems 4 "
                              "--samples 3 -n 6 --temperature 1 --json --out " + dir + "/s.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Json j = Json::parse(r.out);
  const std::vector<Json> samples = read_jsonl(dir + "/s.jsonl");
  ASSERT_EQ(samples.size(), 12u);
  double correct = 0, tokens = 0, format_errors = 0;
  for (const Json& s : samples) {
    correct += s["accuracy"].get<double>();
    tokens += s["tokens"].get<double>();
    format_errors += s["format"].get<double>() > 0 ? 0 : 1;
  }
  EXPECT_EQ(j["n"], 4);
  EXPECT_DOUBLE_EQ(j["pass@1"].get<double>(), correct / 12);
  EXPECT_DOUBLE_EQ(j["mean_response_tokens"].get<double>(), tokens / 12);
  EXPECT_DOUBLE_EQ(j["format_error_rate"].get<double>(), format_errors / 12);
  EXPECT_TRUE(j.contains("maj@k"));
}

TEST(CmdGrpo, BadFlagsAreOneClearError) {
  const std::string dir = tiny_model_with_tokenizer();
  const std::string base = "grpo --model " + dir + "/model --out " + dir + "/x --task arithmetic ";
  auto r = test::run_r1(base + "--variant ppo");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--variant: expected grpo, dr-grpo, dapo or rloo, got 'ppo'"), std::string::npos) << r.out;
  r = test::run_r1(base + "--group 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--group must be >= 2"), std::string::npos) << r.out;
  r = test::run_r1(base + "--metrics " + dir + "/x/m.jsonl");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("is inside the checkpoint directory " + dir + "/x"), std::string::npos)
      << r.out;
  r = test::run_r1("eval --model " + dir + "/model --task nope");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("nope"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace r1
