// ModelDir: a checkpoint directory and its GGUF export open as the same model (config, tensors
// loaded into the parameter layout, tokenizer, stop ids), and each vocabulary mismatch is one
// clear error naming the file, the token or id and the sizes.
#include "checkpoint/model_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

#include "core/error.h"
#include "gguf_fixture.h"
#include "io/json_file.h"
#include "io_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

namespace fs = std::filesystem;

struct Case {
  const char* preset;
  MlaLayout layout;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name =
      std::string(info.param.preset) + (info.param.layout == MlaLayout::KbVb ? "_k_b_v_b" : "");
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

Tensor params_of(const ModelDir& m, const ParamLayout& layout) {
  Tensor p = make_param_buffer(layout);
  m.load_params(layout, p.f32());
  return p;
}

class ModelDirAlike : public ::testing::TestWithParam<Case> {};

TEST_P(ModelDirAlike, DirectoryAndGgufGiveTheSameModel) {
  const Case c = GetParam();
  const ModelDir dir = ModelDir::open(test::gguf_test_model(c.preset));
  const ModelDir gguf = ModelDir::open(test::gguf_test_file(c.preset, GgufOutType::F32, c.layout));
  EXPECT_FALSE(dir.is_gguf());
  EXPECT_TRUE(gguf.is_gguf());
  const ModelConfig &a = dir.config(), &b = gguf.config();
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.hidden_size, b.hidden_size);
  EXPECT_EQ(a.num_hidden_layers, b.num_hidden_layers);
  EXPECT_EQ(a.num_attention_heads, b.num_attention_heads);
  EXPECT_EQ(a.kv_lora_rank, b.kv_lora_rank);
  EXPECT_EQ(a.n_routed_experts, b.n_routed_experts);
  EXPECT_EQ(a.num_nextn_predict_layers, b.num_nextn_predict_layers);
  // Every tensor of the layout (the MTP layers' included), split kv_b joined back, is the same
  // f32 bits from both.
  const ParamLayout layout(b);
  const Tensor pa = params_of(dir, layout), pb = params_of(gguf, layout);
  for (const ParamEntry& e : layout.entries())
    EXPECT_EQ(std::memcmp(pa.f32() + e.offset, pb.f32() + e.offset, size_t(e.numel) * 4), 0)
        << e.name;
  ASSERT_NE(dir.tokenizer(), nullptr);
  ASSERT_NE(gguf.tokenizer(), nullptr);
  const std::string text = "Hello world, 1+1=2.\n";
  EXPECT_EQ(dir.tokenizer()->encode(text, true), gguf.tokenizer()->encode(text, true));
  EXPECT_EQ(dir.stop_ids(), gguf.stop_ids());
  EXPECT_FALSE(dir.stop_ids().empty());
  EXPECT_EQ(dir.eos_id(), gguf.eos_id());
}

INSTANTIATE_TEST_SUITE_P(Presets, ModelDirAlike,
                         ::testing::Values(Case{"tiny", MlaLayout::KvB},
                                           Case{"tiny", MlaLayout::KbVb},
                                           Case{"tiny-v2", MlaLayout::KbVb},
                                           Case{"tiny-qwen2", MlaLayout::KvB}),
                         case_name);

TEST(ModelDir, ATokenizerlessModelOpensWithoutOne) {
  const std::string dir = test::make_temp_dir("model_dir_plain") + "/m";
  ASSERT_EQ(test::run_r1("init --preset tiny --out " + dir).exit_code, 0);
  const ModelDir m = ModelDir::open(dir);
  EXPECT_EQ(m.tokenizer(), nullptr);
  EXPECT_EQ(m.chat_template(), nullptr);
  testing::expect_error<UsageError>([&] { m.require_tokenizer("it is needed"); },
                                    {dir, "has no tokenizer", "it is needed"});
  testing::expect_error<FormatError>([&] { m.require_chat_template(); },
                                     {dir, "no chat template", "no tokenizer_config.json"});
}

// A copy of the tiny checkpoint with its tokenizer, to break.
std::string copy_of_tiny(const std::string& tag) {
  const std::string dir = test::make_temp_dir(tag) + "/m";
  fs::copy(test::gguf_test_model("tiny"), dir, fs::copy_options::recursive);
  return dir;
}

void edit_json(const std::string& path, const std::function<void(Json&)>& edit) {
  Json j = fs::exists(path) ? read_json_file(path) : Json::object();
  edit(j);
  write_text_file_atomic(path, j.dump(2));
}

TEST(ModelDirChecks, ATokenizerBeyondTheVocabIsRefused) {
  const std::string m = copy_of_tiny("ckpt_vocab");
  const int64_t tokens = Tokenizer::load(m).vocab_size();
  edit_json(m + "/config.json", [&](Json& j) { j["vocab_size"] = tokens - 100; });
  testing::expect_error<UsageError>(
      [&] { ModelDir::open(m); }, {m, "the tokenizer has " + std::to_string(tokens) + " token ids",
                                   "the model's vocab_size is " + std::to_string(tokens - 100)});
}

TEST(ModelDirChecks, BosOrEosIdsBeyondTheVocabAreRefused) {
  const std::string m = copy_of_tiny("ckpt_eos");
  const int64_t V = ModelDir::open(m).config().vocab_size;
  edit_json(m + "/generation_config.json", [&](Json& j) {
    j["eos_token_id"] = Json::array({1, V + 7});
  });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(m); },
      {m + "/generation_config.json", "eos_token_id " + std::to_string(V + 7),
       "out of range for the model's vocab_size " + std::to_string(V)});
  fs::remove(m + "/generation_config.json");
  edit_json(m + "/config.json", [&](Json& j) { j["bos_token_id"] = V; });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(m); },
      {m + "/config.json", "bos_token_id " + std::to_string(V), "vocab_size " + std::to_string(V)});
  // The commands refuse it in one line, before any weight is read.
  const test::RunResult r = test::run_r1("generate --model " + m + " --prompt hi -n 1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("bos_token_id " + std::to_string(V) + " is out of range"), std::string::npos)
      << r.out;
}

TEST(ModelDirChecks, ATemplateTokenMissingFromTheTokenizerIsRefused) {
  const std::string m = copy_of_tiny("ckpt_template");
  const int64_t tokens = Tokenizer::load(m).vocab_size();
  edit_json(m + "/tokenizer_config.json", [](Json& j) { j["eos_token"] = "<|no-such-token|>"; });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(m); },
      {m + "/tokenizer_config.json", "the chat template's eos_token '<|no-such-token|>'",
       "is not in the tokenizer's vocabulary", m + "/tokenizer.json",
       std::to_string(tokens) + " token ids"});
  testing::expect_error<FormatError>([&] { ModelDir::open_text(m); },
                                     {"eos_token '<|no-such-token|>'"});
}

}  // namespace
}  // namespace r1
