// `r1 grpo` and `r1 eval` with --tools: the tool metrics are logged (training and held-out),
// eval's per-sample file carries the transcript and tool counts, bad tool flags are one clear
// error.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "io/json_file.h"
#include "test_util.h"

namespace r1 {
namespace {

// A tiny model whose trained tokenizer has DeepSeek's tool-call tokens.
std::string tiny_model_with_tool_tokens() {
  const std::string dir = test::make_temp_dir("toolscli");
  auto r = test::run_r1(
      "tokenizer train --quiet --vocab-size 600 --corpus " + std::string(R1_TRAINED_TOKENIZER_DIR) +
      "/corpus.txt --out " + dir +
      "/tok --special-tokens '<｜tool▁calls▁begin｜>,<｜tool▁calls▁end｜>,<｜tool▁call▁begin｜>,"
      "<｜tool▁call▁end｜>,<｜tool▁sep｜>,<｜tool▁outputs▁begin｜>,<｜tool▁outputs▁end｜>,"
      "<｜tool▁output▁begin｜>,<｜tool▁output▁end｜>'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("init --preset tiny --out " + dir + "/model --tokenizer " + dir + "/tok");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return dir;
}

TEST(ToolsCli, GrpoAndEvalLogTheToolMetrics) {
  const std::string dir = tiny_model_with_tool_tokens();
  auto r = test::run_r1("grpo --model " + dir + "/model --out " + dir +
                        "/rl --task arithmetic --knob digits=1 --problems 20 --steps 1 "
                        "--prompts 2 --group 2 --max-tokens 8 --lr 1e-3 --quiet --tools "
                        "calculator --tool-turns 2 --eval-every 1 --eval-problems 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::ifstream in(dir + "/rl.metrics.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const Json m = Json::parse(line);
  for (const char* key : {"tool_call_rate", "tool_calls_per_rollout", "tool_turns_per_rollout",
                          "tool_errors_per_rollout", "eval_tool_call_rate"}) {
    ASSERT_TRUE(m.contains(key)) << key;
    EXPECT_GE(m[key].get<double>(), 0.0) << key;
  }
  EXPECT_LE(m["tool_call_rate"].get<double>(), 1.0);

  r = test::run_r1("eval --model " + dir +
                   "/rl --task arithmetic --knob digits=1 --problems 2 "
                   "-n 6 --json --quiet --tools calculator --out " +
                   dir + "/samples.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Json e = Json::parse(r.out.substr(r.out.find('{')));
  for (const char* key : {"tool_call_rate", "tool_calls_per_sample", "tool_turns_per_sample",
                          "tool_errors_per_sample"})
    EXPECT_TRUE(e.contains(key)) << key;
  std::ifstream samples(dir + "/samples.jsonl");
  ASSERT_TRUE(std::getline(samples, line));
  const Json s = Json::parse(line);
  for (const char* key : {"transcript", "tool_calls", "tool_turns", "tool_errors"})
    EXPECT_TRUE(s.contains(key)) << key;
  // Without --tools the summary has no tool fields.
  r = test::run_r1("eval --model " + dir +
                   "/rl --task arithmetic --knob digits=1 --problems 2 "
                   "-n 4 --json --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("tool_call_rate"), std::string::npos) << r.out;
}

TEST(ToolsCli, BadToolFlagsAreOneClearError) {
  for (const char* cmd : {"grpo --out /nonexistent/rl", "eval"}) {
    auto r = test::run_r1(std::string(cmd) +
                          " --model /nonexistent/model --task arithmetic --tools nosuch");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("--tools: unknown tool 'nosuch' (known: calculator)"), std::string::npos)
        << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    r = test::run_r1(std::string(cmd) +
                     " --model /nonexistent/model --task arithmetic --tools calculator "
                     "--tool-turns 0");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("--tool-turns must be >= 1, got 0"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace r1
