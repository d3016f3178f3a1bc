// Data-parallel training under `mpirun`: 2 and 3 ranks take the steps one process takes on the
// same global batch (pretrain with MTP, the balance loss and expert-bias updates; SFT with its
// mask; uneven row splits and gradient accumulation), resume with another number of ranks, and
// fail in one clear message: too few rows, ranks on different models, a command that runs in one
// process, a rank that stalls or dies.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checkpoint/model_dir.h"
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
  r = test::run_command(test::mpirun_r1(1) + " pretrain --model " + dir_ + "/model" + flags +
                        " : -np 1 " + R1_BINARY + " pretrain --model " + dir_ + "/other" + flags);
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
    const std::string log_path = dir_ + "/" + out + ".log", script = dir_ + "/" + out + ".sh";
    std::ofstream(script)
        << test::mpirun_r1(2, "R1_COMM_TIMEOUT=3") << " " << train_flags("pretrain", out)
        << "--steps 100000 --batch 2 --save-every 100000 > " << log_path << " 2>&1 &\n"
        << "run=$!\n"
        << "for i in $(seq 100); do\n"
        << "  [ \"$(grep -c 'data parallel' " << log_path << ")\" = 2 ] && break; sleep 0.1\n"
        << "done\nsleep 0.5\n"
        << "for p in $(grep -l -a -- '" << dir_ << "/" << out << "' /proc/[0-9]*/cmdline); do\n"
        << "  e=${p%cmdline}environ\n"
        << "  grep -q -a 'OMPI_COMM_WORLD_RANK=1' $e 2>/dev/null && pid=$(echo $p | cut -d/ -f3)\n"
        << "done\n"
        << "kill -" << signal << " $pid\nwait $run\necho exit=$?\n";
    const auto t0 = std::chrono::steady_clock::now();
    const test::RunResult r = test::run_command("bash " + script);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::ifstream log(log_path);
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_EQ(r.out.find("exit=0"), std::string::npos) << signal << r.out << text;
    EXPECT_LT(seconds, 30.0) << signal;
    if (signal == "STOP") {
      EXPECT_NE(text.find("rank 0/2 on "), std::string::npos) << text;
    }
    const char* expected = signal == "STOP" ? "s for an all-reduce of" : "exited on signal 9";
    EXPECT_NE(text.find(expected), std::string::npos) << signal << "\n" << text;
  }
}

}  // namespace
}  // namespace r1
