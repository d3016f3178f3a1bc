// GGUF files through the r1 command (convert, info, logits, generate, tokenize, bench) and bad
// GGUF models: each a clear error naming the file, the tensor or key, and what was expected.
#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "gguf_fixture.h"
#include "io_test_util.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

using test::run_r1;

std::string bad_gguf(
    const testing::TempDir& tmp, const std::string& name,
    const std::function<void(GgufMetadata&, std::vector<test::GgufTensorCopy>&)>& edit) {
  const std::string out = tmp.file(name + ".gguf");
  test::rewrite_gguf(test::gguf_test_file("tiny-qwen2", GgufOutType::F32), out, edit);
  return out;
}

test::GgufTensorCopy& find(std::vector<test::GgufTensorCopy>& ts, const std::string& name) {
  for (auto& t : ts)
    if (t.name == name) return t;
  throw std::runtime_error("no tensor " + name);
}

TEST(GgufBadModel, MissingTensor) {
  testing::TempDir tmp;
  const std::string f = bad_gguf(tmp, "missing", [](auto&, auto& ts) {
    std::erase_if(ts, [](const auto& t) { return t.name == "blk.1.attn_v.weight"; });
  });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(f).load_model(); },
      {f, "tensor 'blk.1.attn_v.weight' (model.layers.1.self_attn.v_proj.weight) is missing"});
}

TEST(GgufBadModel, WrongShape) {
  testing::TempDir tmp;
  const std::string f = bad_gguf(tmp, "shape", [](auto&, auto& ts) {
    test::GgufTensorCopy& t = find(ts, "blk.0.attn_q.weight");  // [64, 64]
    t.shape = {32, 64};
    t.bytes.resize(t.bytes.size() / 2);
  });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(f).load_model(); },
      {f, "tensor 'blk.0.attn_q.weight'", "has shape [32, 64], expected [64, 64]"});
}

TEST(GgufBadModel, UnsupportedTensorType) {
  testing::TempDir tmp;
  const std::string f = bad_gguf(tmp, "q4_1", [](auto&, auto& ts) {
    test::GgufTensorCopy& t = find(ts, "blk.0.ffn_up.weight");  // [160, 64]
    t.type = GgmlType::Q4_1;
    t.bytes.assign(size_t(160 * 64 / 32 * 20), '\0');
  });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(f).load_model(); },
      {f, "tensor 'blk.0.ffn_up.weight'", "ggml type Q4_1", "re-quantise", "Q4_K_M"});
}

TEST(GgufBadModel, UnknownArchitectureAndBadKeys) {
  testing::TempDir tmp;
  const std::string arch = bad_gguf(tmp, "arch", [](GgufMetadata& md, auto&) {
    md.set("general.architecture", GgufValue("gemma2"));
  });
  testing::expect_error<FormatError>([&] { ModelDir::open(arch).load_model(); },
                                     {arch, "general.architecture 'gemma2' is not supported"});
  const std::string heads = bad_gguf(tmp, "heads", [](GgufMetadata& md, auto&) {
    md.set("qwen2.attention.head_count", GgufValue(uint32_t(0)));
  });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(heads).load_model(); },
      {heads, "'qwen2.attention.head_count' value 0 is out of range"});
  const std::string type = bad_gguf(
      tmp, "type", [](GgufMetadata& md, auto&) { md.set("qwen2.block_count", GgufValue("two")); });
  testing::expect_error<FormatError>([&] { ModelDir::open(type).load_model(); },
                                     {type, "'qwen2.block_count'", "expected an integer"});
  const std::string rope = bad_gguf(tmp, "rope", [](GgufMetadata& md, auto&) {
    md.set("qwen2.rope.scaling.type", GgufValue("linear"));
  });
  testing::expect_error<FormatError>([&] { ModelDir::open(rope).load_model(); },
                                     {rope, "rope.scaling.type", "'linear' is not supported"});
  const std::string vocab = bad_gguf(tmp, "vocab", [](GgufMetadata& md, auto&) {
    md.set("qwen2.vocab_size", GgufValue(uint32_t(999)));
  });
  testing::expect_error<FormatError>([&] { ModelDir::open(vocab).load_model(); },
                                     {vocab, "qwen2.vocab_size", "1024 rows"});
}

TEST(GgufBadModel, TruncatedFileThroughTheCli) {
  testing::TempDir tmp;
  const std::string bytes =
      testing::read_bytes(test::gguf_test_file("tiny-qwen2", GgufOutType::F32));
  testing::write_bytes(tmp.file("cut.gguf"), bytes.substr(0, bytes.size() / 2));
  const test::RunResult r =
      run_r1("generate --model " + tmp.file("cut.gguf") + " --tokens 1,2 -n 2");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("r1: error: " + tmp.file("cut.gguf")), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("truncated"), std::string::npos) << r.out;
  // A missing .gguf is named as such, not looked for as a checkpoint directory.
  const test::RunResult missing = run_r1("info --model " + tmp.file("none.gguf"));
  EXPECT_EQ(missing.exit_code, 1) << missing.out;
  EXPECT_NE(missing.out.find("r1: error: " + tmp.file("none.gguf")), std::string::npos)
      << missing.out;
  EXPECT_EQ(missing.out.find("config.json"), std::string::npos) << missing.out;
}

TEST(GgufCli, ConvertThenEveryCommandTakesTheFile) {
  testing::TempDir tmp;
  const std::string dir = test::gguf_test_model("tiny-qwen2"), gguf = tmp.file("m.gguf");
  test::RunResult r = run_r1("convert --model " + dir + " --out " + gguf + " --type q8_0 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote " + gguf + ": 26 tensors (F32 x11, Q8_0 x15)"), std::string::npos)
      << r.out;
  r = run_r1("info --model " + gguf);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("architecture:     qwen2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Q8_0 x"), std::string::npos) << r.out;
  r = run_r1("logits --model " + gguf + " --tokens 1,2,3 --out " + tmp.file("l.npy"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = run_r1("bench --model " + gguf + " -p 4 -n 2 -r 1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // The same prompt ids and greedy tokens as the checkpoint directory (f32 GGUF: same logits).
  const std::string f32 = test::gguf_test_file("tiny-qwen2", GgufOutType::F32);
  auto tokenize = [](const std::string& model) {
    return test::run_command("printf 'Hello GGUF world' | " + std::string(R1_BINARY) +
                             " tokenize --model " + model);
  };
  const test::RunResult ids_dir = tokenize(dir), ids_gguf = tokenize(f32);
  EXPECT_EQ(ids_gguf.exit_code, 0) << ids_gguf.out;
  EXPECT_EQ(ids_dir.out, ids_gguf.out);
  const std::string gen = " --tokens 0,40,41,42 -n 12 --temperature 0";
  const test::RunResult from_dir = run_r1("generate --model " + dir + gen);
  const test::RunResult from_gguf = run_r1("generate --model " + f32 + gen);
  ASSERT_EQ(from_gguf.exit_code, 0) << from_gguf.out;
  EXPECT_EQ(from_dir.out.substr(0, from_dir.out.find('\n')),
            from_gguf.out.substr(0, from_gguf.out.find('\n')));
  r = run_r1("generate --model " + gguf + " --prompt 'Hello' -n 4 --temperature 0");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = test::run_command("echo '[40, 41, 42]' | " + std::string(R1_BINARY) + " detokenize --model " +
                        f32);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(GgufCli, ConvertUsageErrors) {
  testing::TempDir tmp;
  const std::string dir = test::gguf_test_model("tiny-qwen2");
  test::RunResult r =
      run_r1("convert --model " + dir + " --out " + tmp.file("x.gguf") + " --type q4_k");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--type 'q4_k' is not one of f32, f16, bf16, q8_0, q4_0"), std::string::npos)
      << r.out;
  r = run_r1("convert --model " + dir + " --out " + tmp.file("x.gguf") + " --layout mla");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = run_r1("convert --model " + tmp.file("none") + " --out " + tmp.file("x.gguf"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_FALSE(std::filesystem::exists(tmp.file("x.gguf")));
}

}  // namespace
}  // namespace r1
