// Logits of every reference case (written by tests/reference/make_cases.py with the independent
// PyTorch implementation) against the C++ engine: full sequence, incremental through the KV
// cache, and the MTP head.
#include <gtest/gtest.h>

#include <cstdio>

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "io/json_file.h"
#include "io/npy.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

struct RefCase {
  std::string name;
  std::vector<int32_t> tokens;
  bool mtp = false;
  double rtol = 1e-4;
};

RefCase load_case(const std::string& name) {
  const Json cases = read_json_file(std::string(R1_REF_CASES_DIR) + "/cases.json");
  for (const Json& c : cases)
    if (c.at("name") == name)
      return {name, c.at("tokens").get<std::vector<int32_t>>(), c.at("mtp").get<bool>(),
              c.at("rtol").get<double>()};
  throw Error("reference case " + name + " not in cases.json");
}

class ReferenceLogits : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceLogits, MatchesPyTorch) {
  const RefCase rc = load_case(GetParam());
  const std::string dir = std::string(R1_REF_CASES_DIR) + "/" + rc.name;
  auto model = ModelDir::open(dir).load_model();
  const Tensor expected = read_npy(dir + "/expected_logits.npy");

  Tensor hidden;
  const Tensor full = model->forward(rc.tokens, 0, nullptr, &hidden);
  const double full_err = test::max_relative_error(full, expected);
  EXPECT_LE(full_err, rc.rtol) << "full-sequence logits";

  KvCache cache = KvCache::create(model->config(), int64_t(rc.tokens.size()));
  Tensor incremental = Tensor::zeros(DType::F32, full.shape);
  for (size_t t = 0; t < rc.tokens.size(); ++t) {
    const Tensor row = model->forward({rc.tokens[t]}, int64_t(t), &cache);
    std::copy_n(row.f32(), row.numel(), incremental.f32() + int64_t(t) * row.numel());
  }
  const double inc_err = test::max_relative_error(incremental, expected);
  EXPECT_LE(inc_err, rc.rtol) << "incremental (KV cache) logits";
  const double full_vs_inc = test::max_relative_error(incremental, full);
  EXPECT_LE(full_vs_inc, 1e-5) << "incremental vs full";
  std::printf("[ case %-20s ] max rel err: full %.2e, incremental %.2e, full-vs-inc %.2e\n",
              rc.name.c_str(), full_err, inc_err, full_vs_inc);

  if (rc.mtp) {
    const Tensor mtp_expected = read_npy(dir + "/expected_mtp_logits.npy");
    const double mtp_err =
        test::max_relative_error(model->mtp_logits(rc.tokens, hidden), mtp_expected);
    EXPECT_LE(mtp_err, rc.rtol) << "MTP logits";
    std::printf("[ case %-20s ] max rel err: mtp %.2e\n", rc.name.c_str(), mtp_err);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ReferenceLogits,
                         ::testing::Values("v3_qlora_yarn_mtp", "v3_no_qlora", "v2_softmax_greedy",
                                           "v2_group_limited", "v3_fp8", "v3_bf16", "v3_sharded",
                                           "qwen2_tied", "qwen2_untied", "llama3_scaled"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace r1
