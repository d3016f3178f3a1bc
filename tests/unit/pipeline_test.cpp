// Pipeline-parallel inference under `mpirun`: 2 and 3 ranks give the logits (full sequence and
// through the KV cache) and the generated tokens (greedy, sampled with forked caches, MTP
// speculation) of one process, for checkpoint directories and GGUF files of the V3 (MLA, MoE)
// and dense presets; each rank states its layers; mistakes are one clear error.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gguf_fixture.h"
#include "io/npy.h"
#include "test_util.h"

namespace r1 {
namespace {

const char* kTokens = "5,17,3,250,9,1000,42,7,7,311";

class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("pipeline");
    ASSERT_EQ(test::run_r1("init --preset tiny --dtype f32 --out " + dir_ + "/v3").exit_code, 0);
    ASSERT_EQ(
        test::run_r1("init --preset tiny-qwen2 --dtype f32 --out " + dir_ + "/qwen2").exit_code, 0);
  }

  // Logits of `model` for kTokens (extra: more flags) under `ranks` ranks (1: no mpirun).
  Tensor logits(const std::string& model, int ranks, const std::string& extra = "") {
    const std::string out = dir_ + "/logits" + std::to_string(count_++) + ".npy";
    const std::string args =
        "logits --model " + model + " --tokens " + kTokens + " --out " + out + " " + extra;
    const test::RunResult r = ranks == 1 ? test::run_r1(args) : test::run_r1_ranks(ranks, args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out;
    last_out_ = r.out;
    return read_npy(out);
  }

  // The stdout of `r1 generate` on `ranks` ranks (stderr holds timings and the ranks' parts).
  std::string generate(const std::string& args, int ranks) {
    const std::string launch = ranks == 1 ? std::string(R1_BINARY) : test::mpirun_r1(ranks);
    const std::string all = "(" + launch + " generate -t 1 " + args + " 2>/dev/null)";
    const test::RunResult r = test::run_command(all);
    EXPECT_EQ(r.exit_code, 0) << all << "\n" << r.out;
    return r.out;
  }

  std::string dir_, last_out_;
  int count_ = 0;
};

TEST_F(Pipeline, LogitsOfTwoAndThreeRanksAreThoseOfOneProcess) {
  struct Case {
    std::string model;
    std::vector<int> ranks;
  };
  const std::vector<Case> cases = {
      {dir_ + "/v3", {2, 3}},
      {dir_ + "/qwen2", {2}},
      {test::gguf_test_file("tiny", GgufOutType::Q8_0, MlaLayout::KbVb), {2, 3}},
      {test::gguf_test_file("tiny-llama", GgufOutType::F32), {2}},
  };
  for (const Case& c : cases) {
    for (const std::string mode : {"", "--incremental"}) {
      const Tensor one = logits(c.model, 1, mode);
      for (int ranks : c.ranks) {
        const Tensor split = logits(c.model, ranks, mode);
        EXPECT_LT(test::max_relative_error(split, one), 1e-5) << c.model << " " << ranks << mode;
        for (int k = 0; k < ranks; ++k)
          EXPECT_NE(
              last_out_.find("rank " + std::to_string(k) + "/" + std::to_string(ranks) + " on "),
              std::string::npos)
              << last_out_;
        EXPECT_NE(last_out_.find("pipeline stage " + std::to_string(ranks) + " of " +
                                 std::to_string(ranks) + ": layers "),
                  std::string::npos)
            << last_out_;
      }
    }
  }
  // MTP logits run on rank 0 over the hidden states that came back from the last stage.
  const Tensor mtp = logits(dir_ + "/v3", 1, "--mtp");
  EXPECT_LT(test::max_relative_error(logits(dir_ + "/v3", 3, "--mtp"), mtp), 1e-5);
}

TEST_F(Pipeline, EachRankStatesItsLayersAndBytesOnce) {
  // V3 tiny: 3 layers; the flag gives rank 0 one layer and rank 1 two.
  logits(dir_ + "/v3", 2, "--pipeline-layers 1,2");
  const std::string& out = last_out_;
  const size_t first = out.find(
      ": pipeline stage 1 of 2: embedding, layers 0..0 of 3, final "
      "norm, head and MTP layers, ");
  EXPECT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find("pipeline stage 1 of 2", first + 3), std::string::npos) << out;
  EXPECT_NE(out.find("rank 1/2 on "), std::string::npos) << out;
  EXPECT_NE(out.find(": pipeline stage 2 of 2: layers 1..2 of 3, "), std::string::npos) << out;
  EXPECT_NE(out.find("B mapped"), std::string::npos) << out;
  // Balanced by bytes: the embedding and head (1024 x 64 each) weigh on rank 0, which gets the
  // one dense layer, rank 1 the two MoE layers.
  logits(dir_ + "/v3", 2);
  EXPECT_NE(last_out_.find("layers 0..0 of 3"), std::string::npos) << last_out_;
}

TEST_F(Pipeline, GeneratesTheTokensOfOneProcess) {
  const std::string v3 = dir_ + "/v3", gguf = test::gguf_test_file("tiny", GgufOutType::F32);
  const std::vector<std::string> runs = {
      // greedy from token ids, on a directory and a GGUF file
      "--model " + v3 + " --tokens 5,17,3 -n 12 --temperature 0",
      "--model " + gguf + " --tokens 5,17,3 -n 12 --temperature 0",
      // samples of one prompt: its cache prefilled once and forked on every stage
      "--model " + v3 + " --tokens 5,17,3 -n 10 --samples 3 --temperature 0.9 --seed 7",
      // text through the GGUF's tokenizer, streamed
      "--model " + gguf + " --prompt 'the cat' -n 10 --temperature 0",
      "--model " + test::gguf_test_file("tiny-qwen2", GgufOutType::Q8_0) +
          " --prompt 'the cat' -n 10 --temperature 0.7 --seed 3",
  };
  for (const std::string& args : runs) {
    const std::string one = generate(args, 1);
    ASSERT_NE(one.find_first_not_of('\n'), std::string::npos) << args;
    EXPECT_EQ(generate(args, 2), one) << args;
    if (args.find("qwen2") == std::string::npos) {
      EXPECT_EQ(generate(args, 3), one) << args;
    }
  }
  // MTP speculation: drafts on rank 0, a rejected draft cut from every stage's cache.
  const std::string greedy =
      generate("--model " + v3 + " --tokens 5,17,3 -n 16 --temperature 0", 1);
  EXPECT_EQ(generate("--model " + v3 + " --tokens 5,17,3 -n 16 --temperature 0 --speculative", 3),
            greedy);
}

TEST_F(Pipeline, BenchRunsAcrossRanks) {
  test::RunResult r = test::run_r1_ranks(2, "bench --model " + dir_ + "/v3 -p 8 -n 4 -r 1 -t 1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("| tg4 |"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("| tg4 |"), r.out.rfind("| tg4 |")) << r.out;  // rank 0 reports
  // Several sequences as micro-batches, all in flight (5 over 3 stages: 1, 2 and 2).
  r = test::run_r1_ranks(3, "bench --model " + dir_ + "/v3 -p 0 -n 6 -r 2 -t 1 --streams 5");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("| tg6 x5 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x 5 sequences"), std::string::npos) << r.out;
}

// Rank 1 (a later stage) is stopped (SIGSTOP) or killed (SIGKILL) while it decodes: the run
// ends with a message in bounded time instead of hanging.
TEST_F(Pipeline, AStalledOrDeadStageEndsTheRun) {
  for (const std::string signal : {"STOP", "KILL"}) {
    const test::SignalledRun r = test::run_and_signal_rank1(
        "generate -t 1 --model " + dir_ + "/v3 --tokens 5,17,3 -n 100000 --temperature 0",
        "pipeline stage", dir_ + "/v3", signal, dir_);
    EXPECT_FALSE(r.exited_zero) << signal << r.log;
    EXPECT_LT(r.seconds, 30.0) << signal;
    const char* expected = signal == "STOP" ? "rank 0/2 on " : "exited on signal 9";
    EXPECT_NE(r.log.find(expected), std::string::npos) << signal << "\n" << r.log;
    if (signal == "STOP") {
      EXPECT_NE(r.log.find("s for receiving"), std::string::npos) << r.log;
      EXPECT_NE(r.log.find("from rank 1/2 on "), std::string::npos) << r.log;
    }
  }
}

TEST_F(Pipeline, MistakesAreOneClearError) {
  const std::string tokens = " --tokens 1,2 --out " + dir_ + "/x.npy";
  test::RunResult r = test::run_r1_ranks(3, "logits --model " + dir_ + "/qwen2" + tokens);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("mpirun started 3 ranks but the model has 2 decoder layers"),
            std::string::npos)
      << r.out;
  r = test::run_r1_ranks(2, "logits --model " + dir_ + "/v3 --pipeline-layers 1,1" + tokens);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--pipeline-layers 1,1 adds up to 2 layers but the model has 3"),
            std::string::npos)
      << r.out;
  r = test::run_r1_ranks(2, "logits --model " + dir_ + "/v3 --pipeline-layers 3" + tokens);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(
      r.out.find(
          "--pipeline-layers 3 gives layers to 1 ranks but the run has 2 (mpirun -np sets it)"),
      std::string::npos)
      << r.out;
  r = test::run_r1_ranks(2, "logits --model " + dir_ + "/v3 --pipeline-layers 2,x" + tokens);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--pipeline-layers '2,x': expected layers per rank as positive integers"),
            std::string::npos)
      << r.out;
  r = test::run_r1("logits --model " + dir_ + "/v3 --pipeline-layers 1,2" + tokens);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("gives layers to 2 ranks but the run has 1 (mpirun -np sets it)"),
            std::string::npos)
      << r.out;
  // Rank 1 opens another model (MPMD launch; the same config stored in bf16): refused before
  // any layer is loaded.
  ASSERT_EQ(test::run_r1("init --preset tiny --dtype bf16 --out " + dir_ + "/other").exit_code, 0);
  r = test::run_r1_two_ranks("logits --model " + dir_ + "/v3" + tokens,
                             "logits --model " + dir_ + "/other" + tokens);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("rank 1/2 on "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("has a different model (config and tensor metadata) than rank 0/2"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace r1
