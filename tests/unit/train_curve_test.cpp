// `r1 pretrain` reproduces PyTorch's loss curve: 20 AdamW steps from the same checkpoint on the
// same token file in sequential order (tests/reference/make_train_curve.py), for a dense Qwen2
// model and a DeepSeek-V3 model with MoE, MTP, the balance loss and the expert-bias update.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "io/json_file.h"
#include "test_util.h"
#include "train/metrics.h"

namespace r1 {
namespace {

void expect_curve(const std::string& name) {
  const std::string dir = std::string(R1_TRAIN_CURVE_DIR) + "/" + name;
  const Json curve = read_json_file(dir + "/curve.json");
  std::string flags;
  for (const auto& [key, value] : curve.at("flags").items()) {
    std::string flag = key;
    for (char& ch : flag) ch = ch == '_' ? '-' : ch;
    flags += " --" + flag + " " + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  const std::string out = test::make_temp_dir("curve") + "/run";
  const test::RunResult r = test::run_r1("pretrain --model " + dir + "/model --data " + dir +
                                         "/tokens.bin --out " + out + flags + " -q -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<Json> records = read_metrics(out + ".metrics.jsonl");
  const Json& want = curve.at("losses");
  ASSERT_EQ(records.size(), want.size());
  double worst = 0.0;
  for (size_t s = 0; s < records.size(); ++s) {
    EXPECT_EQ(records[s].at("step").get<int64_t>(), int64_t(s));
    worst = std::max(worst, std::fabs(records[s].at("loss").get<double>() - want[s].get<double>()));
  }
  std::printf("%s: 20-step loss curve, max |r1 - PyTorch| = %.2e (loss %.4f -> %.4f)\n",
              name.c_str(), worst, want.front().get<double>(), want.back().get<double>());
  EXPECT_LE(worst, 1e-4);
  EXPECT_LT(want.back().get<double>(), want.front().get<double>() - 1.0);  // it learned
}

TEST(TrainCurve, DenseQwen2MatchesPyTorch) { expect_curve("tiny_qwen2"); }
TEST(TrainCurve, DeepSeekV3WithMoeMtpAndBiasUpdateMatchesPyTorch) { expect_curve("tiny_v3"); }

}  // namespace
}  // namespace r1
