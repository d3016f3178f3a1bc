// Data parallel under `mpirun`: 2 and 3 ranks take the steps one process takes on the same
// global batch (pretrain with MTP, the balance loss and expert-bias updates; SFT with its mask;
// uneven row splits and gradient accumulation; GRPO with its groups split over the ranks and its
// held-out evaluation; `r1 eval`), resume with another number of ranks, and fail in one clear
// message: too few rows, ranks on different models, a command that runs in one process, a rank
// that stalls or dies.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checkpoint/model_dir.h"
#include "gguf_fixture.h"
#include "model/param_layout.h"
#include "test_util.h"
#include "train/metrics.h"
#include "train/sft_data.h"

namespace r1 {
namespace {

namespace fs = std::filesystem;

// A tiny DeepSeek-V3 (MoE, MTP) and token data below its vocabulary.
class DataParallel : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("data_parallel");
    ASSERT_EQ(test::run_r1("init --preset tiny --dtype f32 --out " + dir_ + "/model").exit_code, 0);
    std::vector<uint32_t> ids(6000);
    uint64_t x = 7;
    for (uint32_t& id : ids) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      id = uint32_t((x >> 33) % 1000);
    }
    std::ofstream(dir_ + "/data.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(ids.data()), std::streamsize(ids.size() * 4));
    // SFT: the same tokens, with a loss mask on the second half of every 9-token example.
    std::string mask;
    for (size_t i = 0; i < ids.size(); ++i) {
      uint8_t m = i % 9 >= 4 ? kMaskLoss : 0;
      if (i % 9 == 0) m |= kMaskStart;
      mask.push_back(char(m));
    }
    fs::copy_file(dir_ + "/data.bin", dir_ + "/chat.bin");
    std::ofstream(dir_ + "/chat.mask", std::ios::binary) << mask;
  }

  std::string train_flags(const std::string& command, const std::string& out) const {
    return command + " --model " + dir_ + "/model --data " + dir_ +
           (command == "sft" ? "/chat.bin" : "/data.bin") + " --out " + dir_ + "/" + out +
           " --seq-len 16 --lr 1e-3 --mtp-lambda 0.3 --aux-alpha 1e-4 --bias-update-gamma 1e-3 "
           "-q -t 1 ";
  }

  std::vector<Json> metrics(const std::string& out) const {
    return read_metrics(dir_ + "/" + out + ".metrics.jsonl");
  }

  // The parameters of checkpoint `out`.
  Tensor params(const std::string& out) const {
    const ModelDir m = ModelDir::open(dir_ + "/" + out);
    const ParamLayout layout(m.config());
    Tensor p = Tensor::zeros(DType::F32, {layout.total()});
    m.load_params(layout, p.f32());
    return p;
  }

  // Every step's losses, gradient norm and expert loads agree to 1e-6; the final parameters to
  // 1e-4 of the largest (the order of the float sums differs, and AdamW's m / sqrt(v) turns a
  // near-zero gradient's last bits into a step of up to lr).
  void expect_same_run(const std::string& want, const std::string& got, size_t steps) const {
    const std::vector<Json> a = metrics(want), b = metrics(got);
    ASSERT_EQ(a.size(), steps);
    ASSERT_EQ(b.size(), steps);
    for (size_t i = 0; i < steps; ++i) {
      for (const char* key : {"loss", "mtp_loss", "aux_loss", "grad_norm"}) {
        const double x = a[i].at(key).get<double>(), y = b[i].at(key).get<double>();
        EXPECT_NEAR(y, x, 1e-6 * std::fabs(x)) << got << " step " << i << " " << key;
      }
      EXPECT_EQ(b[i].at("tokens"), a[i].at("tokens")) << got << " step " << i;
      EXPECT_EQ(b[i].at("expert_load"), a[i].at("expert_load")) << got << " step " << i;
    }
    EXPECT_LT(test::max_relative_error(params(got), params(want)), 1e-4) << got;
  }

  std::string dir_;
};

TEST_F(DataParallel, PretrainOnTwoAndThreeRanksTakesTheOneProcessSteps) {
  const std::string flags = "--steps 3 --batch 5 --grad-accum 2";
  ASSERT_EQ(test::run_r1(train_flags("pretrain", "one") + flags).exit_code, 0);
  for (int ranks : {2, 3}) {
    const std::string out = "ranks" + std::to_string(ranks);
    const test::RunResult r = test::run_r1_ranks(ranks, train_flags("pretrain", out) + flags);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    expect_same_run("one", out, 3);
    // Each rank states its rows once; only rank 0 reports.
    const std::vector<std::string> rows =
        ranks == 2 ? std::vector<std::string>{"rows 0..1", "rows 2..4"}
                   : std::vector<std::string>{"rows 0..0", "rows 1..2", "rows 3..4"};
    for (int k = 0; k < ranks; ++k)
      EXPECT_NE(r.out.find("rank " + std::to_string(k) + "/" + std::to_string(ranks) + " on "),
                std::string::npos)
          << r.out;
    for (const std::string& s : rows)
      EXPECT_NE(r.out.find("data parallel, " + s + " of each 5-row micro-batch"), std::string::npos)
          << r.out;
    EXPECT_EQ(r.out.find("trained steps"), r.out.rfind("trained steps")) << r.out;
    const Json last = metrics(out).back();
    EXPECT_EQ(last.at("ranks"), ranks);
    EXPECT_GT(last.at("comm_bytes").get<int64_t>(), 0);
  }
}

TEST_F(DataParallel, SftWithItsMaskTakesTheOneProcessSteps) {
  const std::string flags = "--steps 3 --batch 4 --data-order sequential";
  ASSERT_EQ(test::run_r1(train_flags("sft", "one") + flags).exit_code, 0);
  const test::RunResult r = test::run_r1_ranks(2, train_flags("sft", "two") + flags);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  expect_same_run("one", "two", 3);
}

TEST_F(DataParallel, ResumesWithAnotherNumberOfRanks) {
  const std::string flags = "--steps 4 --batch 4";
  ASSERT_EQ(test::run_r1(train_flags("pretrain", "one") + flags).exit_code, 0);
  test::RunResult r =
      test::run_r1_ranks(2, train_flags("pretrain", "split") + flags + " --stop-at 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1_ranks(3, train_flags("pretrain", "split") + flags + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  expect_same_run("one", "split", 4);
}

TEST_F(DataParallel, MistakesAreOneClearError) {
  test::RunResult r = test::run_r1_ranks(3, train_flags("pretrain", "x") + "--steps 1 --batch 2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--batch 2 gives 3 ranks fewer rows than ranks; use --batch >= 3"),
            std::string::npos)
      << r.out;
  r = test::run_r1_ranks(2, "info --model " + dir_ + "/model");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("r1 info runs in one process; it was launched by mpirun with 2 ranks"),
            std::string::npos)
      << r.out;
  // Rank 1 opens another model (MPMD launch): refused before the first step.
  ASSERT_EQ(
      test::run_r1("init --preset tiny --dtype f32 --seed 5 --out " + dir_ + "/other").exit_code,
      0);
  const std::string flags =
      " --data " + dir_ + "/data.bin --out " + dir_ + "/y --steps 1 --batch 2 --seq-len 16 -q -t 1";
  r = test::run_r1_two_ranks("pretrain --model " + dir_ + "/model" + flags,
                             "pretrain --model " + dir_ + "/other" + flags);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("rank 1/2 on "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("has a different model (config or parameters) than rank 0/2"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(dir_ + "/y"));
}

// Rank 1 is stopped (SIGSTOP) or killed (SIGKILL) once both ranks have started; the run ends
// with a message in bounded time instead of hanging.
TEST_F(DataParallel, AStalledOrDeadRankEndsTheRun) {
  for (const std::string signal : {"STOP", "KILL"}) {
    const std::string out = "sig" + signal;
    const test::SignalledRun r = test::run_and_signal_rank1(
        train_flags("pretrain", out) + "--steps 100000 --batch 2 --save-every 100000",
        "data parallel", dir_ + "/" + out, signal, dir_);
    EXPECT_FALSE(r.exited_zero) << signal << r.log;
    EXPECT_LT(r.seconds, 30.0) << signal;
    if (signal == "STOP") {
      EXPECT_NE(r.log.find("rank 0/2 on "), std::string::npos) << r.log;
    }
    const char* expected = signal == "STOP" ? "s for an all-reduce of" : "exited on signal 9";
    EXPECT_NE(r.log.find(expected), std::string::npos) << signal << "\n" << r.log;
  }
}

TEST_F(DataParallel, GrpoOnTwoAndThreeRanksTakesTheOneProcessSteps) {
  // The test tokenizer's model; 4 groups a step: 2 + 2 and 1 + 1 + 2 over the ranks.
  const std::string model = test::gguf_test_model("tiny");
  auto grpo = [&](int ranks, const std::string& out) {
    const std::string args =
        "grpo --model " + model + " --out " + dir_ + "/" + out +
        " --task arithmetic --knob digits=1 --problems 20 --steps 2 --prompts 4 --group 4 "
        "--max-tokens 6 --lr 1e-3 --beta 0.01 --mu 2 --seed 7 --eval-every 1 "
        "--eval-problems 5 --quiet -t 1";
    const test::RunResult r = ranks == 1 ? test::run_r1(args) : test::run_r1_ranks(ranks, args);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r;
  };
  grpo(1, "one");
  const std::vector<Json> want = metrics("one");
  ASSERT_EQ(want.size(), 2u);
  for (int ranks : {2, 3}) {
    const std::string out = "grpo" + std::to_string(ranks);
    const test::RunResult r = grpo(ranks, out);
    EXPECT_NE(r.out.find("data parallel, groups 2..3 of each step's 4"), std::string::npos)
        << r.out;
    const std::vector<Json> got = metrics(out);
    ASSERT_EQ(got.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      // The same rollouts (seeds per group, batch-invariant decoding) and rewards...
      for (const char* key : {"generated_tokens", "reward_mean", "accuracy", "format_rate",
                              "response_length_mean", "response_length_max", "zero_std_fraction",
                              "sequences_trained", "eval_pass@1", "eval_response_length"})
        EXPECT_EQ(got[i].at(key), want[i].at(key)) << out << " step " << i << " " << key;
      // ... and the same update, up to the order of float sums.
      for (const char* key : {"loss", "kl", "grad_norm", "ratio_mean"}) {
        const double x = want[i].at(key).get<double>(), y = got[i].at(key).get<double>();
        EXPECT_NEAR(y, x, 1e-6 * std::fabs(x) + 1e-9) << out << " step " << i << " " << key;
      }
    }
    EXPECT_LT(test::max_relative_error(params(out), params("one")), 1e-4) << out;
  }
}

// DAPO's refilling dynamic sampling with GSPO's ratio at temperature 0.9: each round's groups
// are spread over the ranks, and the batch takes the same groups (in rank order within a round)
// as one process, so the same rounds, kept groups and update.
TEST_F(DataParallel, GrpoDynamicSamplingOnRanksKeepsTheOneProcessGroups) {
  const std::string model = test::gguf_test_model("tiny");
  auto grpo = [&](int ranks, const std::string& out) {
    const std::string args =
        "grpo --model " + model + " --out " + dir_ + "/" + out +
        " --task arithmetic --knob digits=1 --problems 20 --steps 3 --prompts 4 --group 4 "
        "--max-tokens 32 --lr 1e-3 --mu 2 --seed 3 --variant dapo --max-sampling-rounds 3 "
        "--importance sequence --temperature 0.9 --quiet -t 1";
    const test::RunResult r = ranks == 1 ? test::run_r1(args) : test::run_r1_ranks(ranks, args);
    EXPECT_EQ(r.exit_code, 0) << r.out;
  };
  grpo(1, "one");
  const std::vector<Json> want = metrics("one");
  ASSERT_EQ(want.size(), 3u);
  int64_t refills = 0, trained = 0;
  for (const Json& m : want) {
    refills += m.at("sampling_rounds").get<int64_t>() - 1;
    trained += m.at("groups_kept").get<int64_t>();
  }
  EXPECT_GT(refills, 0) << "the case should make some step sample more than one round";
  EXPECT_GT(trained, 0) << "the case should train on some groups";
  for (int ranks : {2, 3}) {
    const std::string out = "dapo" + std::to_string(ranks);
    grpo(ranks, out);
    const std::vector<Json> got = metrics(out);
    ASSERT_EQ(got.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      for (const char* key :
           {"sampling_rounds", "groups_sampled", "groups_kept", "sequences_trained",
            "generated_tokens", "reward_mean", "zero_std_fraction"})
        EXPECT_EQ(got[i].at(key), want[i].at(key)) << out << " step " << i << " " << key;
      for (const char* key : {"loss", "grad_norm", "ratio_mean"}) {
        const double x = want[i].at(key).get<double>(), y = got[i].at(key).get<double>();
        EXPECT_NEAR(y, x, 1e-6 * std::fabs(x) + 1e-9) << out << " step " << i << " " << key;
      }
    }
    EXPECT_LT(test::max_relative_error(params(out), params("one")), 1e-4) << out;
  }
}

TEST_F(DataParallel, EvalOnTwoRanksGivesTheOneProcessRecords) {
  const std::string args = "eval --model " + test::gguf_test_model("tiny") +
                           " --task arithmetic --knob digits=1 --problems 7 --samples 3 "
                           "--max-tokens 6 --temperature 1 --json -t 1 --out " +
                           dir_;
  const test::RunResult one = test::run_r1(args + "/one.jsonl");
  const test::RunResult two = test::run_r1_ranks(2, args + "/two.jsonl");
  ASSERT_EQ(one.exit_code, 0) << one.out;
  ASSERT_EQ(two.exit_code, 0) << two.out;
  auto json_line = [](const std::string& out) {  // the one line --json prints
    const size_t at = out.rfind("\n{");
    const size_t begin = at == std::string::npos ? 0 : at + 1;
    return Json::parse(out.substr(begin, out.find('\n', begin) - begin));
  };
  const Json a = json_line(one.out), b = json_line(two.out);
  for (const char* key :
       {"pass@1", "maj@k", "mean_response_tokens", "format_error_rate", "n", "generated_tokens"})
    EXPECT_EQ(b.at(key), a.at(key)) << key;
  std::ifstream fa(dir_ + "/one.jsonl"), fb(dir_ + "/two.jsonl");
  const std::string ra((std::istreambuf_iterator<char>(fa)), std::istreambuf_iterator<char>()),
      rb((std::istreambuf_iterator<char>(fb)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(ra.empty());
  EXPECT_EQ(rb, ra);
}

}  // namespace
}  // namespace r1
