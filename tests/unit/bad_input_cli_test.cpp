// Corrupt, inconsistent and hostile checkpoints given to `r1 logits`: each must fail with one
// line naming the file and the tensor or field, a non-zero exit code, no crash and no output
// file.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/json_file.h"
#include "io/safetensors.h"
#include "io_test_util.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace r1 {
namespace {

using testing::read_bytes;
using testing::write_bytes;

uint64_t header_len(const std::string& bytes) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[size_t(i)]);
  return n;
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[size_t(i)] = char((v >> (8 * i)) & 0xff);
  return s;
}

// Rewrites the JSON header of a safetensors file, keeping its data section.
template <typename Edit>
void edit_header(const std::string& path, Edit edit) {
  const std::string bytes = read_bytes(path);
  const uint64_t n = header_len(bytes);
  Json h = Json::parse(bytes.substr(8, n));
  edit(h);
  const std::string text = h.dump();
  write_bytes(path, le64(text.size()) + text + bytes.substr(8 + n));
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("bad");
    auto r = test::run_r1("init --preset tiny --dtype f32 --out " + dir_);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    file_ = dir_ + "/model.safetensors";
  }

  // Runs `r1 logits` and checks the failure contract; returns the message.
  std::string expect_failure(const std::vector<std::string>& must_contain) {
    const std::string out_npy = dir_ + "/out.npy";
    auto r = test::run_r1("logits --model " + dir_ + " --tokens 1,2,3 --out " + out_npy);
    EXPECT_GE(r.exit_code, 1) << r.out;
    EXPECT_LE(r.exit_code, 2) << "crashed? " << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "expected one line: " << r.out;
    EXPECT_EQ(r.out.rfind("r1: error: ", 0), 0u) << r.out;
    for (const std::string& s : must_contain)
      EXPECT_NE(r.out.find(s), std::string::npos) << "missing '" << s << "' in: " << r.out;
    EXPECT_FALSE(fs::exists(out_npy));
    return r.out;
  }

  std::string dir_, file_;
};

TEST_F(BadInput, TruncatedFile) {
  const std::string bytes = read_bytes(file_);
  write_bytes(file_, bytes.substr(0, bytes.size() / 2));
  expect_failure({file_});
}

TEST_F(BadInput, TruncatedInsideLengthPrefix) {
  write_bytes(file_, "abc");
  expect_failure({file_, "truncated"});
}

TEST_F(BadInput, HeaderLengthBeyondFile) {
  std::string bytes = read_bytes(file_);
  bytes.replace(0, 8, le64(bytes.size() + 1000));
  write_bytes(file_, bytes);
  expect_failure({file_, "header"});
}

TEST_F(BadInput, OffsetsOutOfRange) {
  edit_header(file_, [](Json& h) { h["model.norm.weight"]["data_offsets"][1] = 1ull << 40; });
  expect_failure({file_, "model.norm.weight"});
}

TEST_F(BadInput, OverlappingTensors) {
  edit_header(file_, [](Json& h) {
    h["model.norm.weight"]["data_offsets"] = h["model.embed_tokens.weight"]["data_offsets"];
    h["model.norm.weight"]["shape"] = h["model.embed_tokens.weight"]["shape"];
  });
  expect_failure({file_, "overlap"});
}

TEST_F(BadInput, ByteLengthNotMatchingShape) {
  edit_header(file_, [](Json& h) { h["model.norm.weight"]["shape"] = {63}; });
  expect_failure({file_, "model.norm.weight"});
}

TEST_F(BadInput, UnknownDtype) {
  edit_header(file_, [](Json& h) { h["model.norm.weight"]["dtype"] = "Q4_K"; });
  expect_failure({file_, "model.norm.weight", "Q4_K"});
}

TEST_F(BadInput, WrongDtypeForWeights) {
  edit_header(file_, [](Json& h) { h["model.norm.weight"]["dtype"] = "I32"; });
  expect_failure({"model.norm.weight", "I32"});
}

TEST_F(BadInput, MissingTensor) {
  edit_header(file_, [](Json& h) { h.erase("model.layers.1.mlp.gate.weight"); });
  expect_failure({dir_, "model.layers.1.mlp.gate.weight"});
}

TEST_F(BadInput, WrongShape) {
  edit_header(file_, [](Json& h) { h["model.norm.weight"]["shape"] = {4, 16}; });
  expect_failure({file_, "model.norm.weight", "[64]"});
}

TEST_F(BadInput, PartialMtpLayerIsAnError) {
  edit_header(file_, [](Json& h) { h.erase("model.layers.3.eh_proj.weight"); });
  expect_failure({"model.layers.3.eh_proj.weight"});
}

TEST_F(BadInput, AbsentMtpLayerLoadsWithoutMtp) {
  edit_header(file_, [](Json& h) {
    for (auto it = h.begin(); it != h.end();)
      it = it.key().rfind("model.layers.3.", 0) == 0 ? h.erase(it) : std::next(it);
  });
  auto r = test::run_r1("logits --model " + dir_ + " --tokens 1,2,3 --out " + dir_ + "/o.npy");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("loading without MTP"), std::string::npos) << r.out;
  r = test::run_r1("logits --model " + dir_ + " --tokens 1,2,3 --mtp --out " + dir_ + "/o.npy");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("no MTP layer"), std::string::npos) << r.out;
}

TEST_F(BadInput, MissingShard) {
  fs::remove_all(dir_);
  auto r = test::run_r1("init --preset tiny --dtype bf16 --shards 3 --out " + dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  fs::remove(dir_ + "/model-00002-of-00003.safetensors");
  expect_failure({"model-00002-of-00003.safetensors"});
}

TEST_F(BadInput, UnknownModelType) {
  Json c = read_json_file(dir_ + "/config.json");
  c["model_type"] = "mamba";
  write_text_file_atomic(dir_ + "/config.json", c.dump());
  expect_failure({dir_ + "/config.json", "model_type", "mamba"});
}

TEST_F(BadInput, AbsurdConfigValues) {
  const std::pair<const char*, Json> cases[] = {
      {"hidden_size", 1ll << 40},  {"num_hidden_layers", -3}, {"vocab_size", 0},
      {"num_experts_per_tok", 99}, {"rms_norm_eps", "tiny"},  {"kv_lora_rank", 1ll << 50}};
  const Json original = read_json_file(dir_ + "/config.json");
  for (const auto& [field, value] : cases) {
    Json c = original;
    c[field] = value;
    write_text_file_atomic(dir_ + "/config.json", c.dump());
    expect_failure({dir_ + "/config.json", field});
  }
}

TEST_F(BadInput, TokenOutOfRange) {
  auto r = test::run_r1("logits --model " + dir_ + " --tokens 1,5000 --out " + dir_ + "/o.npy");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("5000"), std::string::npos) << r.out;
  auto r2 = test::run_r1("logits --model " + dir_ + " --tokens 1,x --out " + dir_ + "/o.npy");
  EXPECT_EQ(r2.exit_code, 2) << r2.out;
}

TEST_F(BadInput, MissingDirectory) {
  auto r = test::run_r1("logits --model " + dir_ + "/nope --tokens 1 --out " + dir_ + "/o.npy");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(dir_ + "/nope"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace r1
