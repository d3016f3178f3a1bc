// Tokenizers through GGUF metadata: the tokenizer rebuilt from tokenizer.ggml.* encodes and
// decodes exactly as the tokenizer.json it was written from, for trained and real tokenizers.
#include "tokenizer/gguf_vocab.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checkpoint/special_ids.h"
#include "core/error.h"
#include "gguf_fixture.h"
#include "infer/generator.h"
#include "io/json_file.h"
#include "io_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

// The "text" of every line of a vectors file.
std::vector<std::string> texts_of(const std::string& expected_jsonl) {
  std::vector<std::string> out;
  std::ifstream in(expected_jsonl);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty())
      out.push_back(parse_json(expected_jsonl, line.data(), line.data() + line.size())
                        .at("text")
                        .get<std::string>());
  return out;
}

// Encodes (with and without special tokens) and decodes every text with both tokenizers;
// returns the number of texts on which they differ, reporting the first few.
int compare_tokenizers(const Tokenizer& want, const Tokenizer& got,
                       const std::vector<std::string>& texts) {
  int bad = 0;
  for (const std::string& text : texts) {
    const auto ids = want.encode(text, true), ids_ns = want.encode(text, false);
    const bool same = got.encode(text, true) == ids && got.encode(text, false) == ids_ns &&
                      got.decode(ids) == want.decode(ids);
    if (!same && ++bad <= 3) ADD_FAILURE() << "differs on " << Json(text).dump();
  }
  return bad;
}

// A GGUF holding only a tokenizer's metadata.
std::string vocab_only_gguf(const std::string& tokenizer_dir, int64_t vocab_size,
                            const std::string& out) {
  GgufWriter w(out);
  w.metadata().set("general.architecture", GgufValue("llama"));
  add_gguf_vocab(tokenizer_dir, vocab_size, w.metadata());
  w.write();
  return out;
}

class TrainedVocab : public ::testing::TestWithParam<const char*> {};

TEST_P(TrainedVocab, GgufTokenizerEqualsTokenizerJson) {
  const std::string preset = GetParam(), family = test::gguf_test_family(preset);
  const std::string gguf = test::gguf_test_file(preset, GgufOutType::F32);
  const Tokenizer want = Tokenizer::load(test::gguf_test_tokenizer(family));
  const Tokenizer got = Tokenizer::load(gguf);
  const std::vector<std::string> texts =
      texts_of(std::string(R1_TRAINED_TOKENIZER_DIR) + "/" + family + "/expected.jsonl");
  ASSERT_GE(texts.size(), 2000u);
  EXPECT_EQ(compare_tokenizers(want, got, texts), 0) << "of " << texts.size();
  const GgufFile f = GgufFile::open(gguf);
  EXPECT_EQ(f.get_string("tokenizer.ggml.pre"), family == "llama3"  ? "llama-bpe"
                                                : family == "qwen2" ? "qwen2"
                                                                    : "deepseek-v3");
  // 600 trained ids padded to the model's 1024 rows, padding marked unused (5).
  EXPECT_EQ(f.get_strings("tokenizer.ggml.tokens").size(), 1024u);
  EXPECT_EQ(f.get_strings("tokenizer.ggml.tokens")[700], "[PAD700]");
  EXPECT_EQ(f.get_ints("tokenizer.ggml.token_type")[700], 5);
  EXPECT_EQ(f.get_ints("tokenizer.ggml.token_type")[0], 3);  // BOS: control
  EXPECT_EQ(f.get_ints("tokenizer.ggml.token_type")[5], 4);  // <think>: user-defined
  EXPECT_EQ(got.vocab_size(), want.vocab_size());
  EXPECT_TRUE(f.get_bool("tokenizer.ggml.add_bos_token"));
  EXPECT_EQ(f.get_int("tokenizer.ggml.bos_token_id"), 0);
  EXPECT_EQ(f.get_int("tokenizer.ggml.eos_token_id"), 1);
  EXPECT_EQ(model_stop_ids(gguf, &got), std::vector<int32_t>{1});
}

INSTANTIATE_TEST_SUITE_P(Families, TrainedVocab,
                         ::testing::Values("tiny", "tiny-qwen2", "tiny-llama"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

class RealVocab : public ::testing::TestWithParam<const char*> {};

TEST_P(RealVocab, GgufTokenizerEqualsTokenizerJson) {
  const std::string dir = std::string(R1_TOKENIZER_VECTORS_DIR) + "/" + GetParam();
  const Tokenizer want = Tokenizer::load(dir);
  testing::TempDir tmp;
  const std::string gguf = vocab_only_gguf(dir, want.vocab_size(), tmp.file("vocab.gguf"));
  const Tokenizer got = Tokenizer::load(gguf);
  const std::vector<std::string> texts = texts_of(dir + "/expected.jsonl");
  ASSERT_GE(texts.size(), 2000u);
  EXPECT_EQ(compare_tokenizers(want, got, texts), 0) << "of " << texts.size();
  EXPECT_EQ(got.vocab_size(), want.vocab_size());
  const GgufFile f = GgufFile::open(gguf);
  EXPECT_TRUE(f.metadata().has("tokenizer.chat_template"));
}

INSTANTIATE_TEST_SUITE_P(Real, RealVocab,
                         ::testing::Values("deepseek_v3", "deepseek_r1", "qwen3", "llama3_1"));

TEST(GgufVocab, UnsupportedTokenizersAreClearErrors) {
  testing::TempDir tmp;
  const std::string src = test::gguf_test_file("tiny-qwen2", GgufOutType::F32);
  auto with = [&](const char* key, GgufValue v) {
    const std::string out = tmp.file(std::string(key) + ".gguf");
    test::rewrite_gguf(src, out, [&](GgufMetadata& md, auto&) { md.set(key, v); });
    return out;
  };
  testing::expect_error<FormatError>(
      [&] { Tokenizer::load(with("tokenizer.ggml.model", GgufValue("llama"))); },
      {"tokenizer.ggml.model 'llama'", "not supported", "gpt2"});
  testing::expect_error<FormatError>(
      [&] { Tokenizer::load(with("tokenizer.ggml.pre", GgufValue("gpt-2"))); },
      {"tokenizer.ggml.pre 'gpt-2'", "deepseek-v3"});
  testing::expect_error<FormatError>(
      [&] { Tokenizer::load(with("tokenizer.ggml.bos_token_id", GgufValue(uint32_t(5000)))); },
      {"tokenizer.ggml.bos_token_id", "5000", "not a token id"});
  testing::expect_error<FormatError>(
      [&] {
        Tokenizer::load(
            with("tokenizer.ggml.token_type", GgufValue::array(std::vector<int32_t>{1})));
      },
      {"token_type has 1 entries for 1024 tokens"});
}

TEST(GgufVocab, TokenizersGgufCannotDescribeAreRefused) {
  testing::TempDir tmp;
  const std::string dir = test::gguf_test_tokenizer("qwen2");
  // A pre-tokenizer regex no llama.cpp pre type has.
  Json tj = read_json_file(dir + "/tokenizer.json");
  tj["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\s+|\\S+";
  std::filesystem::create_directories(tmp.file("odd"));
  write_text_file_atomic(tmp.file("odd/tokenizer.json"), tj.dump());
  GgufMetadata md;
  testing::expect_error<ConfigError>([&] { add_gguf_vocab(tmp.file("odd"), 1024, md); },
                                     {"tokenizer.json", "pre type llama.cpp knows"});
  // More tokens than the model has rows.
  testing::expect_error<ConfigError>([&] { add_gguf_vocab(dir, 100, md); },
                                     {"does not fit the model's vocab_size 100"});
}

}  // namespace
}  // namespace r1
