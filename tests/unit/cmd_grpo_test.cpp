// `r1 grpo` and `r1 eval` end to end on a tiny model with a trained tokenizer: checkpoint and
// per-step metrics written, a resumed run equals an uninterrupted one, an existing run is
// replaced only when asked, eval's summary equals what its per-sample file says, bad flags are
// one clear error.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

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
  EXPECT_NE(r.out.find("grpo: 2 steps (from step 0)"), std::string::npos) << r.out;
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

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The metrics records without their wall-clock fields.
std::vector<Json> metrics_without_timing(const std::string& path) {
  std::vector<Json> out = read_jsonl(path);
  for (Json& r : out)
    for (const char* key : {"generation_s", "training_s", "generation_share",
                            "generation_tokens_per_s", "training_tokens_per_s"})
      r.erase(key);
  return out;
}

// A run stopped after step 3 and resumed to step 5 equals one run of 5 steps bit for bit:
// policy, AdamW moments, the KL reference (refreshed at step 2, so not the initial model), the
// problems and sampling seeds of each step, the cosine schedule, the expert biases, held-out
// evaluations and every metric but the timings.
TEST(CmdGrpo, ResumedRunIsBitIdenticalToAnUninterruptedOne) {
  const std::string dir = tiny_model_with_tokenizer();
  auto grpo = [&](const std::string& out, const std::string& extra,
                  const std::string& steps = "5") {
    return test::run_r1("grpo --model " + dir + "/model --out " + dir + "/" + out +
                        " --task arithmetic --knob digits=1 --problems 7 --steps " + steps +
                        " --prompts 2 --group 4 --max-tokens 6 --lr 1e-2 --schedule cosine --warmup 1 --mu 2 "
                        "--beta 0.05 --ref-update-every 2 --bias-update-gamma 0.01 --eval-every 2 "
                        "--eval-problems 2 --quiet -t 2 " + extra);
  };
  auto r = grpo("straight", "");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = grpo("paused", "--stop-at 3");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_jsonl(dir + "/paused.metrics.jsonl").size(), 3u);
  r = grpo("paused", "--resume");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("grpo: 2 steps (from step 3)"), std::string::npos) << r.out;
  for (const char* file : {"model.safetensors", "optimizer.safetensors", "reference.safetensors"})
    EXPECT_EQ(read_bytes(dir + "/straight/" + file), read_bytes(dir + "/paused/" + file)) << file;
  const std::vector<Json> straight = metrics_without_timing(dir + "/straight.metrics.jsonl");
  ASSERT_EQ(straight.size(), 5u);
  EXPECT_EQ(straight, metrics_without_timing(dir + "/paused.metrics.jsonl"));
  EXPECT_NE(straight[3].at("kl").get<double>(), 0.0);

  r = grpo("paused", "--resume");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("already at step 5, nothing to do for --steps 5"), std::string::npos) << r.out;
  r = grpo("paused", "--resume --wd 0.1", "6");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--wd differs from the run being resumed (" + dir +
                       "/paused/trainer_state.json: 0.0, now 0.1)"),
            std::string::npos)
      << r.out;
}

// A run in --out is refused without --resume or --overwrite, its files untouched; --overwrite
// starts over; --resume needs a checkpoint.
TEST(CmdGrpo, AnExistingRunIsReplacedOnlyWhenAsked) {
  const std::string dir = tiny_model_with_tokenizer();
  const std::string base = "grpo --model " + dir + "/model --task arithmetic --knob digits=1 "
                           "--problems 5 --prompts 1 --group 2 --max-tokens 4 --quiet -t 2 --out ";
  ASSERT_EQ(test::run_r1(base + dir + "/rl --steps 2").exit_code, 0);
  const std::string weights = read_bytes(dir + "/rl/model.safetensors");
  const std::string metrics = read_bytes(dir + "/rl.metrics.jsonl");
  auto r = test::run_r1(base + dir + "/rl --steps 1");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--out " + dir + "/rl already holds a checkpoint at step 2; pass --resume "
                       "to continue it or --overwrite to start over"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(read_bytes(dir + "/rl/model.safetensors"), weights);
  EXPECT_EQ(read_bytes(dir + "/rl.metrics.jsonl"), metrics);
  r = test::run_r1(base + dir + "/rl --steps 1 --overwrite");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_jsonl(dir + "/rl.metrics.jsonl").size(), 1u);
  EXPECT_EQ(read_json_file(dir + "/rl/trainer_state.json").at("step"), 1);
  r = test::run_r1(base + dir + "/new --steps 1 --resume");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--resume: --out " + dir + "/new holds no checkpoint to continue"),
            std::string::npos)
      << r.out;
}

// DAPO's dynamic sampling with refills, GSPO's sequence ratio and rollouts at temperature 0.8:
// each step logs the groups it sampled and kept; a run stopped after step 2 and resumed equals
// an uninterrupted one bit for bit (the problem position a refilling step leaves is saved), and a
// resume without the temperature it was started with is refused.
TEST(CmdGrpo, DynamicSamplingRefillsAndResumesBitIdentically) {
  const std::string dir = tiny_model_with_tokenizer();
  auto grpo = [&](const std::string& out, const std::string& extra) {
    return test::run_r1("grpo --model " + dir + "/model --out " + dir + "/" + out +
                        " --task arithmetic --knob digits=1 --problems 9 --steps 4 --prompts 2 "
                        "--group 4 --max-tokens 32 --lr 1e-2 --mu 2 --variant dapo "
                        "--max-sampling-rounds 3 --importance sequence --quiet -t 2 " + extra);
  };
  auto r = grpo("straight", "--temperature 0.8");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = grpo("paused", "--temperature 0.8 --stop-at 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = grpo("paused", "--temperature 0.8 --resume");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* file : {"model.safetensors", "optimizer.safetensors"})
    EXPECT_EQ(read_bytes(dir + "/straight/" + file), read_bytes(dir + "/paused/" + file)) << file;
  const std::vector<Json> straight = metrics_without_timing(dir + "/straight.metrics.jsonl");
  ASSERT_EQ(straight.size(), 4u);
  EXPECT_EQ(straight, metrics_without_timing(dir + "/paused.metrics.jsonl"));
  // 32 tokens: a completion that stops early escapes the overlong penalty, so some groups'
  // rewards differ.
  int64_t refills = 0, trained = 0;
  for (const Json& m : straight) {
    const int64_t rounds = m.at("sampling_rounds"), kept = m.at("groups_kept");
    EXPECT_GE(rounds, 1);
    EXPECT_LE(rounds, 3);
    EXPECT_EQ(m.at("groups_sampled").get<int64_t>(), 2 * rounds);
    EXPECT_LE(kept, 2);
    if (rounds < 3) {
      EXPECT_EQ(kept, 2) << "a step stops early only with a full batch";
    }
    EXPECT_EQ(m.at("sequences_trained").get<int64_t>(), 4 * kept);
    refills += rounds - 1;
    trained += kept;
  }
  EXPECT_GT(refills, 0) << "the case should make some step sample more than one round";
  EXPECT_GT(trained, 0) << "the case should train on some groups";

  r = grpo("paused", "--temperature 0.8 --stop-at 2 --overwrite");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = grpo("paused", "--resume");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--temperature differs from the run being resumed"), std::string::npos)
      << r.out;
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
  double consistency = 0;  // countdown counts self-checks: their summary is the samples' too
  for (const Json& s : samples) consistency += s["consistency"].get<double>();
  EXPECT_DOUBLE_EQ(j["consistency_mean"].get<double>(), consistency / 12);
  for (const char* key : {"attempts_per_rollout", "check_rate", "retry_rate", "readable_rate"})
    EXPECT_TRUE(j.contains(key)) << key;
}

// TinyZero's Countdown lines (its parquet rows as JSONL: nums and target beside its own fields).
TEST(CmdEval, ReadsTinyZeroCountdownLines) {
  const std::string dir = tiny_model_with_tokenizer();
  std::ofstream(dir + "/tinyzero.jsonl")
      << R"({"target": 98, "nums": [44, 19, 35], "data_source": "countdown", "ability": "math"})"
      << "\n"
      << R"({"target": 64, "nums": [63, 95, 96], "reward_model": {"style": "rule"}})" << "\n";
  const auto r = test::run_r1("eval --model " + dir + "/model --task countdown --data " + dir +
                              "/tinyzero.jsonl -n 4 --json --out " + dir + "/s.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Json::parse(r.out)["n"], 2);
  const std::vector<Json> samples = read_jsonl(dir + "/s.jsonl");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_NE(samples[1]["question"].get<std::string>().find("[63, 95, 96]"), std::string::npos);
}

// --compute bf16 runs the updates in bf16, is recorded in the checkpoint and must match on resume.
TEST(CmdGrpo, ComputeTypeIsRecordedAndKeptOnResume) {
  const std::string dir = tiny_model_with_tokenizer();
  const std::string base = "grpo --model " + dir + "/model --task arithmetic --knob digits=1 "
                           "--problems 5 --prompts 1 --group 2 --max-tokens 4 --mu 2 --quiet -t 2 "
                           "--steps 2 --out " + dir + "/rl ";
  auto r = test::run_r1(base + "--compute bf16 --stop-at 1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_json_file(dir + "/rl/trainer_state.json").at("compute"), "bf16");
  r = test::run_r1(base + "--compute f32 --resume");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--compute differs from the run being resumed"), std::string::npos) << r.out;
  r = test::run_r1(base + "--compute bf16 --resume");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_json_file(dir + "/rl/trainer_state.json").at("step"), 2);
  r = test::run_r1(base + "--compute f16 --overwrite");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--compute: unknown compute type 'f16', expected f32 or bf16"),
            std::string::npos)
      << r.out;
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
  r = test::run_r1(base + "--temperature 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--temperature 0: expected a positive sampling temperature"),
            std::string::npos)
      << r.out;
  r = test::run_r1(base + "--importance group");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--importance 'group' is unknown; expected token or sequence"),
            std::string::npos)
      << r.out;
  r = test::run_r1(base + "--dynamic-sampling --max-sampling-rounds 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--max-sampling-rounds 0: expected at least 1 round"), std::string::npos)
      << r.out;
  r = test::run_r1(base + "--metrics " + dir + "/x/m.jsonl");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("is inside the checkpoint directory " + dir + "/x"), std::string::npos)
      << r.out;
  r = test::run_r1(base + "--consistency-weight 0.1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--consistency-weight: task arithmetic has no reasoning notation"),
            std::string::npos)
      << r.out;
  const std::string reject = "reject --model " + dir + "/model --out " + dir + "/r.jsonl ";
  r = test::run_r1(reject + "--task arithmetic --readable");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--readable: task arithmetic has no reasoning notation to read"),
            std::string::npos)
      << r.out;
  r = test::run_r1(reject + "--task countdown --min-attempts 2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--min-attempts works with --readable"), std::string::npos) << r.out;
  r = test::run_r1("eval --model " + dir + "/model --task nope");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("nope"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace r1
