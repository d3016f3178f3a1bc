// `r1 task list / generate / check` through the binary: files written, determinism, the split,
// per-line reward output, and one-line errors with exit codes 1 (bad files) and 2 (bad usage).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "io/file_io.h"
#include "io_test_util.h"
#include "rl/task.h"
#include "test_util.h"

namespace r1 {
namespace {

std::vector<Json> read_jsonl(const std::string& path) {
  std::vector<Json> records;
  const std::string text = read_file(path);
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    records.push_back(Json::parse(text.substr(start, nl - start)));
  return records;
}

TEST(CmdTask, ListShowsTasksAndKnobs) {
  const test::RunResult r = test::run_r1("task list");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* name : {"countdown", "arithmetic", "linear", "gsm8k", "math", "max_target",
                           "digits", "max_denominator"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

TEST(CmdTask, GenerateWritesDeterministicTinyZeroRecords) {
  testing::TempDir dir;
  const std::string args = "task generate --task countdown --n 30 --seed 5 --knob max_numbers=3 --out ";
  const test::RunResult a = test::run_r1(args + dir.file("a.jsonl"));
  ASSERT_EQ(a.exit_code, 0) << a.out;
  EXPECT_NE(a.out.find("wrote 30 countdown problems (train split)"), std::string::npos) << a.out;
  ASSERT_EQ(test::run_r1(args + dir.file("b.jsonl")).exit_code, 0);
  EXPECT_EQ(read_file(dir.file("a.jsonl")), read_file(dir.file("b.jsonl")));
  const std::vector<Json> records = read_jsonl(dir.file("a.jsonl"));
  ASSERT_EQ(records.size(), 30u);
  for (const Json& r : records) {
    EXPECT_EQ(r["nums"].size(), 3u);
    EXPECT_TRUE(r["target"].is_number_integer());
    EXPECT_TRUE(r["solution"].is_string());
    EXPECT_TRUE(r["id"].is_string());
  }
  // The file loads back through the library.
  const std::unique_ptr<rl::Task> task = rl::make_task("countdown");
  EXPECT_EQ(rl::load_problems(*task, dir.file("a.jsonl")).size(), 30u);
}

TEST(CmdTask, EvalSplitIsDisjointFromTrain) {
  testing::TempDir dir;
  ASSERT_EQ(test::run_r1("task generate --task arithmetic --knob digits=2 --n 300 --seed 1 --out " +
                         dir.file("train.jsonl")).exit_code, 0);
  const test::RunResult r = test::run_r1(
      "task generate --task arithmetic --knob digits=2 --n 40 --seed 1 --split eval --out " +
      dir.file("eval.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::set<std::string> train;
  for (const Json& j : read_jsonl(dir.file("train.jsonl"))) train.insert(j["expression"]);
  const std::vector<Json> eval = read_jsonl(dir.file("eval.jsonl"));
  ASSERT_EQ(eval.size(), 40u);
  for (const Json& j : eval) EXPECT_EQ(train.count(j["expression"]), 0u) << j.dump();
}

TEST(CmdTask, CorpusWritesJsonlAndTheSameDocumentsAsText) {
  testing::TempDir dir;
  const test::RunResult r =
      test::run_r1("task corpus --task variables --n 50 --seed 3 --worked-fraction 0.5 --out " +
                   dir.file("c.jsonl") + " --text-out " + dir.file("c.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote 50 variables documents (50% with worked solutions)"),
            std::string::npos) << r.out;
  std::string joined;
  for (const Json& j : read_jsonl(dir.file("c.jsonl"))) joined += j["text"].get<std::string>() + "\n";
  EXPECT_EQ(joined, read_file(dir.file("c.txt")));
  EXPECT_NE(joined.find("</think> <answer> "), std::string::npos);
}

TEST(CmdTask, CheckPrintsPerLineRewards) {
  testing::TempDir dir;
  testing::write_bytes(dir.file("data.jsonl"),
                       "{\"id\": \"p1\", \"nums\": [2, 3, 7], \"target\": 13}\n"
                       "{\"id\": \"p2\", \"nums\": [4, 5], \"target\": 9}\n");
  testing::write_bytes(
      dir.file("out.jsonl"),
      "{\"id\": \"p2\", \"completion\": \"<think>4+5</think> <answer>4 + 5</answer>\", \"tokens\": 90}\n"
      "{\"id\": \"p1\", \"completion\": \"<think>x</think> <answer>13</answer>\", \"tokens\": 10}\n"
      "{\"id\": \"p1\", \"completion\": \"<think><answer>2*3+7</answer></think>\", \"tokens\": 10}\n");
  const std::string base = "task check --task countdown --data " + dir.file("data.jsonl") +
                           " --completions " + dir.file("out.jsonl") +
                           " --overlong-max 100 --overlong-cache 20";
  const test::RunResult text = test::run_r1(base);
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find("p2  total 0.600  accuracy 1  format 1  overlong -0.500  answer '4 + 5'"),
            std::string::npos) << text.out;
  EXPECT_NE(text.out.find("answer '13'  uses 13, which is not given"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("answer (none)  <answer> or </answer> inside the thinking"),
            std::string::npos) << text.out;
  EXPECT_NE(text.out.find("n 3  mean total 0.233  accuracy 0.333  format 0.667"),
            std::string::npos) << text.out;
  const test::RunResult json = test::run_r1(base + " --json");
  ASSERT_EQ(json.exit_code, 0) << json.out;
  const Json first = Json::parse(json.out.substr(0, json.out.find('\n')));
  EXPECT_EQ(first["id"], "p2");
  EXPECT_EQ(first["accuracy"], 1.0);
  EXPECT_DOUBLE_EQ(first["total"].get<double>(), 0.6);
  EXPECT_EQ(first["where"], dir.file("out.jsonl") + ":1");
}

TEST(CmdTask, CheckR1TemplateMatchesByPosition) {
  testing::TempDir dir;
  testing::write_bytes(dir.file("data.jsonl"),
                       "{\"question\": \"q\", \"answer\": \"1 + 1 = 2\\n#### 2\"}\n");
  testing::write_bytes(dir.file("out.jsonl"),
                       "{\"completion\": \"one and one</think> It is \\\\boxed{2}.\"}\n");
  const test::RunResult r = test::run_r1("task check --task gsm8k --template r1 --prompt-opens-think --data " +
                                         dir.file("data.jsonl") + " --completions " +
                                         dir.file("out.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("gsm8k-line1  total 1.100  accuracy 1  format 1"), std::string::npos)
      << r.out;
}

TEST(CmdTask, ErrorsAreOneLineWithExitCodes) {
  testing::TempDir dir;
  const auto expect_error = [](const std::string& args, int code, const std::string& message) {
    const test::RunResult r = test::run_r1(args);
    EXPECT_EQ(r.exit_code, code) << args << "\n" << r.out;
    EXPECT_EQ(r.out, "r1: error: " + message + "\n") << args;
  };
  expect_error("task generate --task sudoku --n 1 --out " + dir.file("x.jsonl"), 2,
               "unknown task 'sudoku' (known: countdown, arithmetic, variables, linear, gsm8k, math)");
  expect_error("task generate --task math --n 1 --knob digits=3 --out " + dir.file("x.jsonl"), 2,
               "task math has no knob 'digits' (knobs: max_denominator)");
  expect_error("task generate --task math --n 1 --split test --out " + dir.file("x.jsonl"), 2,
               "unknown split 'test' (known: train, eval)");
  expect_error("task generate --task math --n 0 --out " + dir.file("x.jsonl"), 2,
               "--n: expected a count in [1, 10000000], got 0");
  expect_error("task corpus --task countdown --n 5 --format csv --out " + dir.file("x.jsonl"), 2,
               "--format: expected text or prompt-completion, got 'csv'");
  expect_error("task corpus --task countdown --n 5 --check-fraction 1.5 --out " + dir.file("x.jsonl"),
               2, "the check fraction must be in [0, 1], got 1.500000");
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.jsonl")));
  testing::write_bytes(dir.file("data.jsonl"), "{\"nums\": [1, 2], \"target\": 3}\n");
  testing::write_bytes(dir.file("out.jsonl"), "{\"completion\": \"a\"}\n{\"completion\": \"b\"}\n");
  const std::string check = "task check --task countdown --data " + dir.file("data.jsonl") +
                            " --completions " + dir.file("out.jsonl");
  expect_error(check, 1,
               dir.file("out.jsonl") + ":2: more completions than problems (1) and no \"id\" to match one");
  expect_error(check + " --overlong-max 10", 1, dir.file("out.jsonl") + ":1: missing field \"tokens\"");
  expect_error(check + " --template chatml", 2, "unknown template 'chatml' (known: r1-zero, r1)");
  testing::write_bytes(dir.file("out.jsonl"), "{\"id\": \"zz\", \"completion\": \"a\"}\n");
  expect_error(check, 1, dir.file("out.jsonl") + ":1: id 'zz' is not in the data file");
  testing::write_bytes(dir.file("out.jsonl"), "{\"text\": \"a\"}\n");
  expect_error(check, 1, dir.file("out.jsonl") + ":1: missing field \"completion\"");
}

}  // namespace
}  // namespace r1
