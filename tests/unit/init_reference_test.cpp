// `r1 init` checkpoints (every tiny preset, f32/f16/bf16/fp8, sharded) read by the independent
// PyTorch reference (tests/reference/logits.py) give the same logits as `r1 logits`.
#include <gtest/gtest.h>

#include "io/npy.h"
#include "test_util.h"

namespace r1 {
namespace {

struct InitCase {
  std::string preset, dtype;
  int shards;
  bool mtp;
};

void PrintTo(const InitCase& c, std::ostream* os) {
  *os << c.preset << "/" << c.dtype << "/x" << c.shards;
}

class InitReference : public ::testing::TestWithParam<InitCase> {};

TEST_P(InitReference, SameLogitsAsPyTorch) {
  const InitCase& ic = GetParam();
  const std::string dir = test::make_temp_dir("init");
  const std::string tokens = "1,7,300,45,1000,2,88,513";
  auto init = test::run_r1("init --preset " + ic.preset + " --dtype " + ic.dtype + " --shards " +
                           std::to_string(ic.shards) + " --seed 3 --out " + dir);
  ASSERT_EQ(init.exit_code, 0) << init.out;
  for (bool mtp : {false, true}) {
    if (mtp && !ic.mtp) continue;
    const std::string flag = mtp ? " --mtp" : "";
    auto ref = test::run_command("/usr/bin/python3 " + std::string(R1_SOURCE_DIR) +
                                 "/tests/reference/logits.py --model " + dir + " --tokens " +
                                 tokens + " --out " + dir + "/ref.npy" + flag);
    ASSERT_EQ(ref.exit_code, 0) << ref.out;
    for (const char* mode : {"", " --incremental"}) {
      auto ours = test::run_r1("logits --model " + dir + " --tokens " + tokens + " --out " + dir +
                               "/ours.npy" + flag + mode);
      ASSERT_EQ(ours.exit_code, 0) << ours.out;
      const double err =
          test::max_relative_error(read_npy(dir + "/ours.npy"), read_npy(dir + "/ref.npy"));
      EXPECT_LE(err, 1e-4) << ic.preset << " " << ic.dtype << flag << mode;
      std::printf("[ init %-10s %-4s x%d%s%s ] max rel err %.2e\n", ic.preset.c_str(),
                  ic.dtype.c_str(), ic.shards, flag.c_str(), mode, err);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, InitReference,
                         ::testing::Values(InitCase{"tiny", "f32", 1, true},
                                           InitCase{"tiny", "bf16", 3, true},
                                           InitCase{"tiny", "fp8", 2, true},
                                           InitCase{"tiny-v2", "bf16", 1, false},
                                           InitCase{"tiny-qwen2", "f32", 1, false},
                                           InitCase{"tiny-qwen2", "f16", 1, false},
                                           InitCase{"tiny-llama", "bf16", 1, false}),
                         [](const auto& info) {
                           std::string n = info.param.preset + "_" + info.param.dtype;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace r1
