// `r1 report` (the demo's table, summary.json and report.html from real eval and GRPO outputs)
// and `r1 convert --out DIR` (a checkpoint re-written as a model directory in f32 / bf16).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "io/json_file.h"
#include "io/npy.h"
#include "test_util.h"
#include "train/metrics.h"

namespace r1 {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A tiny V3 model with a trained tokenizer, a 2-step GRPO run from it, and both evaluated.
std::string pipeline_dir() {
  const std::string dir = test::make_temp_dir("reportcli");
  auto r = test::run_r1("tokenizer train --quiet --vocab-size 600 --corpus " +
                        std::string(R1_TRAINED_TOKENIZER_DIR) + "/corpus.txt --out " + dir + "/tok");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("init --preset tiny --out " + dir + "/base --tokenizer " + dir + "/tok");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("grpo --model " + dir + "/base --out " + dir + "/rl --task variables "
                   "--problems 20 --steps 2 --prompts 2 --group 4 --max-tokens 8 --lr 1e-3 "
                   "--quiet --eval-every 1 --eval-problems 3");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* stage : {"base", "rl"}) {
    r = test::run_r1("eval --model " + dir + "/" + stage + " --task variables --problems 3 "
                     "--samples 2 -n 12 --json --quiet --out " + dir + "/" + stage +
                     "/eval_samples.jsonl");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    write(dir + "/" + stage + "/eval.json", r.out);
  }
  return dir;
}

TEST(CmdReport, WritesTheTableSummaryAndHtmlWithCurves) {
  const std::string dir = pipeline_dir();
  // The RL stage also evaluated out of distribution and with self-check rates (as countdown's).
  Json rl_eval = read_json_file(dir + "/rl/eval.json");
  rl_eval["check_rate"] = 0.25;
  rl_eval["retry_rollout_rate"] = 0.125;
  rl_eval["readable_rate"] = 0.5;
  write(dir + "/rl/eval.json", rl_eval.dump());
  write(dir + "/rl/eval_ood.json", Json{{"pass@1", 0.375}}.dump());
  // Its rollouts' retry rate per step (countdown's GRPO writes it), drawn as a curve.
  std::string metrics;
  for (Json record : read_metrics(dir + "/rl.metrics.jsonl")) {
    record["retry_rollout_rate"] = 0.25 * record["step"].get<double>();
    metrics += record.dump() + "\n";
  }
  write(dir + "/rl.metrics.jsonl", metrics);
  const auto r = test::run_r1("report --task variables --stage base=" + dir +
                              "/base --stage 'RL (GRPO)=" + dir + "/rl@12.5' --curves 'GRPO=" +
                              dir + "/rl.metrics.jsonl' --curves 'GRPO again=" + dir +
                              "/rl.metrics.jsonl' --trace-from base --out " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* part : {"OOD pass@1", "checks", "retries", "readable", "37.5%", "12.5%"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  EXPECT_NE(r.out.find("RL (GRPO)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("A reasoning trace (base"), std::string::npos) << r.out;

  const Json s = read_json_file(dir + "/out/summary.json");
  EXPECT_EQ(s["task"], "variables");
  ASSERT_EQ(s["stages"].size(), 2u);
  const Json base_eval = read_json_file(dir + "/base/eval.json");
  EXPECT_EQ(s["stages"][0]["name"], "base");
  EXPECT_EQ(s["stages"][0]["model_type"], "deepseek_v3");
  EXPECT_GT(s["stages"][0]["parameters"].get<int64_t>(), 0);
  EXPECT_EQ(s["stages"][0]["pass@1"], base_eval["pass@1"]);
  EXPECT_EQ(s["stages"][0]["mean_response_tokens"], base_eval["mean_response_tokens"]);
  EXPECT_TRUE(s["stages"][0]["train_seconds"].is_null());
  EXPECT_FALSE(s["stages"][0].contains("ood_pass@1"));
  EXPECT_EQ(s["stages"][1]["ood_pass@1"], 0.375);
  EXPECT_EQ(s["stages"][1]["retry_rollout_rate"], 0.125);
  EXPECT_EQ(s["stages"][1]["train_seconds"], 12.5);
  EXPECT_EQ(s["trace"]["stage"], "base");
  EXPECT_NE(s["trace"]["question"].get<std::string>().find("Let a = "), std::string::npos);

  const std::string html = slurp(dir + "/out/report.html");
  EXPECT_EQ(html.find("<?xml"), std::string::npos);  // the SVG is inline, without its prolog
  for (const char* part : {"<svg", "accuracy (training rollouts)", "pass@1 (held-out problems)",
                           "mean response length", "reward mean", "KL to the reference",
                           "clip fraction", "RL (GRPO)", "Let a = ", "Side by side", "GRPO again",
                           "OOD pass@1", "rollouts that retry after a failed check"})
    EXPECT_NE(html.find(part), std::string::npos) << part;
}

TEST(CmdReport, BadStagesAreOneClearError) {
  const std::string dir = test::make_temp_dir("reportbad");
  auto r = test::run_r1("report --task variables --stage nolabel --out " + dir + "/o");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--stage: expected LABEL=PATH[@SECONDS], got 'nolabel'"),
            std::string::npos) << r.out;
  r = test::run_r1("report --task variables --stage a=" + dir + "@soon --out " + dir + "/o");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("'soon'"), std::string::npos) << r.out;
  r = test::run_r1("init --preset tiny --out " + dir + "/m");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("report --task variables --stage a=" + dir + "/m --out " + dir + "/o");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find(dir + "/m/eval.json"), std::string::npos) << r.out;
  write(dir + "/m/eval.json", R"({"pass@1": 0.5})");
  r = test::run_r1("report --task variables --stage a=" + dir + "/m --out " + dir + "/o");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("eval.json: field \"maj@k\": expected a number"), std::string::npos)
      << r.out;
}

TEST(CmdConvert, ModelDirectoryInBf16KeepsTheLogits) {
  const std::string dir = test::make_temp_dir("convertdir");
  auto r = test::run_r1("init --preset tiny --dtype f32 --out " + dir + "/f32");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("convert --model " + dir + "/f32 --out " + dir + "/bf16 --type bf16");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("convert --model " + dir + "/f32 --out " + dir + "/same --type f32");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_json_file(dir + "/bf16/config.json")["torch_dtype"], "bfloat16");
  for (const char* m : {"f32", "bf16", "same"}) {
    r = test::run_r1(std::string("logits --model ") + dir + "/" + m +
                     " --tokens 1,5,9,2 --out " + dir + "/" + m + ".npy");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  const Tensor f32 = read_npy(dir + "/f32.npy");
  EXPECT_EQ(test::max_relative_error(read_npy(dir + "/same.npy"), f32), 0.0);
  const double bf16_error = test::max_relative_error(read_npy(dir + "/bf16.npy"), f32);
  EXPECT_GT(bf16_error, 0.0);  // the weights were rounded
  EXPECT_LT(bf16_error, 0.05);
  r = test::run_r1("convert --model " + dir + "/f32 --out " + dir + "/q --type q8_0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--type 'q8_0': a model directory is written in f32, f16 or bf16"),
            std::string::npos) << r.out;
}

}  // namespace
}  // namespace r1
