// `r1 pretrain` / `r1 sft` end to end on tiny models: a paused and resumed run equals an
// uninterrupted one bit for bit, SFT counts only assistant targets, and bad flags are one clear
// message.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/json_file.h"
#include "test_util.h"
#include "train/metrics.h"
#include "train/sft_data.h"

namespace r1 {
namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_tokens(const std::string& path, const std::vector<uint32_t>& ids) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(ids.data()), std::streamsize(ids.size() * 4));
}

std::vector<double> losses(const std::string& metrics) {
  std::vector<double> out;
  for (const Json& r : read_metrics(metrics)) out.push_back(r.at("loss").get<double>());
  return out;
}

class CmdTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("cmd_train");
    ASSERT_EQ(test::run_r1("init --preset tiny --dtype f32 --out " + dir_ + "/model").exit_code, 0);
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < 500; ++i) ids.push_back((i * 37 + i / 7) % 1000);
    write_tokens(dir_ + "/tokens.bin", ids);
  }
  std::string pretrain(const std::string& out, const std::string& extra,
                       const std::string& lr = "2e-3") {
    return "pretrain --model " + dir_ + "/model --data " + dir_ + "/tokens.bin --out " + dir_ +
           "/" + out + " --steps 4 --batch 2 --seq-len 16 --lr " + lr +
           " --warmup 1 --mtp-lambda 0.3 --aux-alpha 0.01 --bias-update-gamma 0.001 -q -t 2 " +
           extra;
  }
  std::string dir_;
};

TEST_F(CmdTrain, ResumedRunIsBitIdenticalToAnUninterruptedOne) {
  ASSERT_EQ(test::run_r1(pretrain("straight", "")).exit_code, 0);
  ASSERT_EQ(test::run_r1(pretrain("paused", "--stop-at 2")).exit_code, 0);
  const test::RunResult resumed = test::run_r1(pretrain("paused", "--resume"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out;
  for (const char* file : {"model.safetensors", "optimizer.safetensors"})
    EXPECT_EQ(read_bytes(dir_ + "/straight/" + file), read_bytes(dir_ + "/paused/" + file)) << file;
  const std::vector<double> a = losses(dir_ + "/straight.metrics.jsonl");
  EXPECT_EQ(a, losses(dir_ + "/paused.metrics.jsonl"));
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(test::run_r1(pretrain("paused", "--resume")).exit_code, 2) << "nothing left to do";
}

// --data-order documents on a file from `r1 data tokenize` (EOS after each document): the order is
// recorded and a resumed run equals a straight one; a file that is one document, or SFT, is
// refused with one message.
TEST_F(CmdTrain, DocumentsOrderResumesAndNeedsEndOfDocumentTokens) {
  test::RunResult r =
      test::run_r1("tokenizer train --quiet --vocab-size 600 --corpus " +
                   std::string(R1_TRAINED_TOKENIZER_DIR) + "/corpus.txt --out " + dir_ + "/tok");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("init --preset tiny --dtype f32 --out " + dir_ + "/doc_model --tokenizer " +
                   dir_ + "/tok");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  {
    std::ofstream docs(dir_ + "/docs.jsonl");
    for (int i = 0; i < 40; ++i)
      docs << "{\"text\": \"document " << i << " says " << i * 7 % 13 << " things.\"}\n";
    std::ofstream(dir_ + "/one.txt") << "one long document with no end inside it at all\n";
  }
  for (const char* name : {"docs.jsonl", "one.txt"}) {
    const std::string stem = std::string(name).substr(0, std::string(name).find('.'));
    r = test::run_r1("data tokenize --model " + dir_ + "/doc_model --input " + dir_ + "/" + name +
                     " --out " + dir_ + "/" + stem + ".bin");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  auto run = [&](const std::string& data, const std::string& out, const std::string& extra) {
    return test::run_r1("pretrain --model " + dir_ + "/doc_model --data " + dir_ + "/" + data +
                        " --out " + dir_ + "/" + out +
                        " --steps 4 --batch 2 --seq-len 16 --lr 2e-3 -q -t 2 " + extra);
  };
  r = run("one.bin", "one", "--data-order documents");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("one.bin: no end-of-document token"), std::string::npos) << r.out;
  ASSERT_EQ(run("docs.bin", "straight", "--data-order documents").exit_code, 0);
  ASSERT_EQ(run("docs.bin", "paused", "--data-order documents --stop-at 2").exit_code, 0);
  r = run("docs.bin", "paused", "--resume");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_bytes(dir_ + "/straight/model.safetensors"),
            read_bytes(dir_ + "/paused/model.safetensors"));
  EXPECT_EQ(read_json_file(dir_ + "/paused/trainer_state.json")["data"]["order"], "documents");
  r = test::run_r1("sft --model " + dir_ + "/doc_model --data " + dir_ + "/x.jsonl --out " + dir_ +
                   "/sft --steps 2 --data-order documents -q");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--data-order documents is pretrain's"), std::string::npos) << r.out;
}

// A run in --out (or its --metrics) is continued only with --resume and started over only with
// --overwrite; without either the command fails and leaves every file as it was.
TEST_F(CmdTrain, AnExistingRunIsReplacedOnlyWhenAsked) {
  ASSERT_EQ(test::run_r1(pretrain("straight", "")).exit_code, 0);
  ASSERT_EQ(test::run_r1(pretrain("run", "--stop-at 2")).exit_code, 0);
  const std::string weights = read_bytes(dir_ + "/run/model.safetensors");
  const std::string metrics = read_bytes(dir_ + "/run.metrics.jsonl");
  test::RunResult r = test::run_r1(pretrain("run", ""));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--out " + dir_ + "/run already holds a checkpoint at step 2; pass "
                       "--resume to continue it or --overwrite to start over"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(read_bytes(dir_ + "/run/model.safetensors"), weights);
  EXPECT_EQ(read_bytes(dir_ + "/run.metrics.jsonl"), metrics);
  r = test::run_r1(pretrain("run", "--resume --overwrite"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--resume and --overwrite exclude each other"), std::string::npos) << r.out;

  // A fresh --out with another run's metrics file is refused too.
  r = test::run_r1(pretrain("other", "--metrics " + dir_ + "/run.metrics.jsonl"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--metrics " + dir_ + "/run.metrics.jsonl already holds a file of"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/other"));

  // --overwrite starts over: the same run as a fresh one, the metrics replaced.
  r = test::run_r1(pretrain("run", "--overwrite"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_bytes(dir_ + "/run/model.safetensors"),
            read_bytes(dir_ + "/straight/model.safetensors"));
  EXPECT_EQ(losses(dir_ + "/run.metrics.jsonl"), losses(dir_ + "/straight.metrics.jsonl"));

  // sft follows the same rule.
  r = test::run_r1("sft --model " + dir_ + "/model --data " + dir_ + "/tokens.bin --out " + dir_ +
                   "/run --steps 1 -q");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("already holds a checkpoint at step 4"), std::string::npos) << r.out;
}

TEST_F(CmdTrain, BadFlagsAreOneClearMessage) {
  test::RunResult r = test::run_r1(pretrain("x", "--stop-at 1"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1(pretrain("x", "--resume", "5e-3"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--lr differs from the run being resumed"), std::string::npos) << r.out;
  r = test::run_r1("pretrain --model " + dir_ + "/model --data " + dir_ + "/tokens.bin --out " +
                   dir_ + "/model --steps 1 -q");
  EXPECT_NE(r.out.find("is the --model directory"), std::string::npos) << r.out;
  r = test::run_r1(pretrain("never_started", "--resume"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--resume: --out " + dir_ + "/never_started holds no checkpoint to "
                       "continue (no " + dir_ + "/never_started/trainer_state.json)"),
            std::string::npos)
      << r.out;
  r = test::run_r1(pretrain("z", "--schedule linear"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("linear"), std::string::npos) << r.out;
  write_tokens(dir_ + "/bad.bin", {1, 2, 5000});
  r = test::run_r1("pretrain --model " + dir_ + "/model --data " + dir_ + "/bad.bin --out " +
                   dir_ + "/y --steps 1 -q");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("bad.bin"), std::string::npos) << r.out;
}

// --compute bf16: recorded in trainer_state.json, restored by --resume (the paused run equals the
// straight one bit for bit, which an f32 continuation would not), and a differing flag on
// --resume is refused. The losses follow the f32 run closely without equalling it.
TEST_F(CmdTrain, Bf16ComputeIsRecordedAndResumed) {
  ASSERT_EQ(test::run_r1(pretrain("f32", "")).exit_code, 0);
  const test::RunResult straight = test::run_r1(pretrain("bf16", "--compute bf16"));
  ASSERT_EQ(straight.exit_code, 0) << straight.out;
  EXPECT_NE(straight.out.find("compute bf16"), std::string::npos) << straight.out;
  EXPECT_NE(straight.out.find("bf16 GEMM peak"), std::string::npos) << straight.out;
  const Json state = read_json_file(dir_ + "/bf16/trainer_state.json");
  EXPECT_EQ(state.at("compute").get<std::string>(), "bf16");

  ASSERT_EQ(test::run_r1(pretrain("paused", "--compute bf16 --stop-at 2")).exit_code, 0);
  test::RunResult r = test::run_r1(pretrain("paused", "--resume --compute f32"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--compute differs from the run being resumed"), std::string::npos) << r.out;
  r = test::run_r1(pretrain("paused", "--resume"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_bytes(dir_ + "/bf16/model.safetensors"),
            read_bytes(dir_ + "/paused/model.safetensors"));

  const std::vector<double> f32 = losses(dir_ + "/f32.metrics.jsonl");
  const std::vector<double> bf16 = losses(dir_ + "/bf16.metrics.jsonl");
  ASSERT_EQ(f32.size(), bf16.size());
  for (size_t i = 0; i < f32.size(); ++i) EXPECT_NEAR(bf16[i], f32[i], 2e-2 * f32[i]) << i;
  EXPECT_NE(bf16, f32);

  r = test::run_r1(pretrain("bad", "--compute f16"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown compute type 'f16', expected f32 or bf16"), std::string::npos)
      << r.out;
}

TEST_F(CmdTrain, ProfilePrintsThePerOpTable) {
  const test::RunResult r = test::run_r1(pretrain("profiled", "--profile"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* row : {"profile of 4 steps", "dense matmul forward", "dense matmul dX",
                          "dense matmul dW", "attention", "head + loss",
                          "optimizer (AdamW + clip)", "other", "of the sgemm peak"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  EXPECT_EQ(test::run_r1(pretrain("plain", "")).out.find("dense matmul"), std::string::npos);
}

// Two conversations in the .bin + .mask format of `r1 data tokenize --chat`: the step counts
// exactly the targets that are assistant tokens.
TEST_F(CmdTrain, SftTrainsOnAssistantTokensOnly) {
  std::vector<uint32_t> ids;
  std::string mask;
  auto add = [&](int prompt, int answer) {
    for (int i = 0; i < prompt + answer; ++i) {
      ids.push_back(uint32_t(10 + ids.size() % 900));
      uint8_t m = i >= prompt ? kMaskLoss : 0;
      if (i == 0) m |= kMaskStart;
      mask.push_back(char(m));
    }
  };
  add(3, 3);  // row of T + 1 = 9: targets 2..4 are the answer's 3 tokens
  add(4, 6);  // truncated to 9 tokens: answer tokens 4..8 -> targets 3..7
  write_tokens(dir_ + "/chat.bin", ids);
  std::ofstream(dir_ + "/chat.mask", std::ios::binary) << mask;
  const test::RunResult r =
      test::run_r1("sft --model " + dir_ + "/model --data " + dir_ + "/chat.bin --out " + dir_ +
                   "/sft --steps 2 --batch 2 --seq-len 8 --data-order sequential -q -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<Json> records = read_metrics(dir_ + "/sft.metrics.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("tokens").get<int64_t>(), 3 + 5);
}

}  // namespace
}  // namespace r1
