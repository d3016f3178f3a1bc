// MTP self-speculative decoding gives exactly the plain greedy tokens, whether drafts are
// rejected (random heads) or all accepted (heads that always predict token 0).
#include "infer/speculative.h"

#include <gtest/gtest.h>

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "infer/generator.h"
#include "io/safetensors.h"
#include "test_util.h"

namespace r1 {
namespace {

std::vector<int32_t> plain_greedy(const Model& m, const std::vector<int32_t>& prompt, int64_t n,
                                  const std::vector<int32_t>& stops) {
  GenerationRequest r;
  r.prompt = prompt;
  r.sampling.temperature = 0.0f;
  r.max_tokens = n;
  return Generator(m, nullptr, stops).generate(r)[0].tokens;
}

// A tiny V3 checkpoint (f32) with the given heads zeroed.
std::string make_model(bool zero_main_head, bool zero_mtp_head) {
  const std::string dir = test::make_temp_dir("spec");
  EXPECT_EQ(test::run_r1("init --preset tiny --dtype f32 --out " + dir).exit_code, 0);
  std::vector<std::pair<std::string, Tensor>> tensors;
  {
    const SafetensorsFile f = SafetensorsFile::open(dir + "/model.safetensors");
    for (const auto& [name, entry] : f.entries()) {
      Tensor t = to_f32(f.get(name));
      const bool head = name == "lm_head.weight";
      const bool mtp_head = name.find("shared_head.head.weight") != std::string::npos;
      if ((head && zero_main_head) || (mtp_head && zero_mtp_head))
        std::fill_n(t.f32(), t.numel(), 0.0f);
      tensors.emplace_back(name, t);
    }
  }
  write_safetensors(dir + "/model.safetensors", tensors);
  return dir;
}

TEST(Speculative, EqualsPlainGreedyWhenDraftsAreRejected) {
  auto model = ModelDir::open(make_model(false, false)).load_model();
  for (const auto& prompt : std::vector<std::vector<int32_t>>{{1, 2, 3}, {500}, {9, 9, 9, 9, 9}}) {
    SpeculativeStats st;
    const auto spec = generate_speculative(*model, prompt, 20, {}, &st);
    EXPECT_EQ(spec, plain_greedy(*model, prompt, 20, {}));
    EXPECT_GT(st.drafted, 0);
    EXPECT_LE(st.accepted, st.drafted);
  }
}

TEST(Speculative, AcceptedDraftsGiveTwoTokensPerPass) {
  auto model =
      ModelDir::open(make_model(true, true)).load_model();  // both heads: all logits 0 -> token 0
  SpeculativeStats st;
  const auto spec = generate_speculative(*model, {4, 5}, 21, {}, &st);
  EXPECT_EQ(spec, plain_greedy(*model, {4, 5}, 21, {}));
  EXPECT_EQ(spec, std::vector<int32_t>(21, 0));
  EXPECT_EQ(st.accepted, st.drafted);
  EXPECT_EQ(st.main_passes, 10);  // 1 token from the prefill, then 2 per pass
  // A stop id ends generation even in the middle of an accepted pair.
  EXPECT_EQ(generate_speculative(*model, {4, 5}, 21, {0}, &st), std::vector<int32_t>{0});
}

// The cached MTP path, fed in uneven chunks, equals the full-sequence MTP logits.
TEST(Speculative, CachedMtpRowsEqualTheFullPath) {
  auto model = ModelDir::open(make_model(false, false)).load_model();
  const std::vector<int32_t> tokens = {3, 1, 4, 1, 5, 9, 2};
  const int64_t T = int64_t(tokens.size()), D = model->config().hidden_size,
                V = model->config().vocab_size;
  Tensor hidden;
  model->forward(tokens, 0, nullptr, &hidden);
  const Tensor full = model->mtp_logits(tokens, hidden);  // [T-1, V]
  KvCache cache = KvCache::create(model->config(), T);
  int64_t p = 0;
  for (int64_t chunk : {3, 1, 2}) {
    const std::vector<int32_t> next(tokens.begin() + p + 1, tokens.begin() + p + 1 + chunk);
    const Tensor got = model->mtp_forward(next, hidden.f32() + p * D, p, &cache);
    for (int64_t i = 0; i < chunk * V; ++i)
      ASSERT_NEAR(got.f32()[i], full.f32()[p * V + i], 1e-4) << "row " << p + i / V;
    p += chunk;
  }
  EXPECT_EQ(cache.mtp_length, T - 1);
}

TEST(Speculative, NeedsAnMtpLayer) {
  const std::string dir = test::make_temp_dir("spec");
  ASSERT_EQ(test::run_r1("init --preset tiny-qwen2 --out " + dir).exit_code, 0);
  auto model = ModelDir::open(dir).load_model();
  EXPECT_THROW(generate_speculative(*model, {1}, 4, {}, nullptr), Error);
}

}  // namespace
}  // namespace r1
