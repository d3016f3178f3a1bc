// Tests of `r1 tokenizer train` output: the tokenizer.json / tokenizer_config.json documents,
// loading them back, block reading, the CLI's errors, and ids equal to @huggingface/tokenizers.
#include "tokenizer/bpe_trainer_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "io/file_io.h"
#include "io/json_file.h"
#include "io_test_util.h"
#include "test_util.h"
#include "tokenizer/bpe_trainer_corpus.h"
#include "tokenizer/bpe_trainer_presets.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace r1::tok {
namespace {

using r1::testing::read_bytes;
using r1::testing::TempDir;
using r1::testing::write_bytes;

const char* const kLines[] = {
    "The quick brown fox jumps over the lazy dog.",
    "hello world, hello again",
    "def f(x):\n    return x * 2  # doubled",
    "中文分词测试，你好世界。日本語のテキスト",
    "Привет, мир! Ελληνικά κείμενα.",
    "1234567 + 89 = 1234656",
    "emoji 😀😀 test 🤖",
    "  indented\n\n\n\tblank lines\r\n",
    "<｜User｜>What is 2+2?<｜Assistant｜><think>four</think>4",
};

std::string sample_corpus(int repeats) {
  std::string s;
  for (int i = 0; i < repeats; ++i)
    for (const char* l : kLines) s += std::string(l) + "\n";
  return s;
}

TokenizerTrainOptions options(const TempDir& d, int64_t vocab, const std::string& out = "out") {
  TokenizerTrainOptions o;
  o.corpus_files = {d.file("corpus.txt")};
  o.vocab_size = vocab;
  o.out_dir = d.file(out);
  o.progress = false;
  return o;
}

TEST(TrainTokenizer, WritesHuggingFaceFiles) {
  TempDir d;
  write_bytes(d.file("corpus.txt"), sample_corpus(20));
  write_bytes(d.file("chat.jinja"),
              "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}");
  TokenizerTrainOptions o = options(d, 400);
  o.chat_template_file = d.file("chat.jinja");
  o.extra_special_tokens = {"<|im_start|>"};
  const TokenizerTrainReport r = train_tokenizer(o);
  EXPECT_EQ(r.vocab_size, 400);
  EXPECT_GT(r.distinct_words, 50);
  EXPECT_GT(r.words, 20 * r.distinct_words);
  EXPECT_FALSE(std::filesystem::exists(d.file("out/tokenizer.json.tmp")));

  const Json t = read_json_file(d.file("out/tokenizer.json"));
  EXPECT_EQ(t["version"], "1.0");
  EXPECT_EQ(t["pre_tokenizer"], Json::parse(tokenizer_family("deepseek-v3").pre_tokenizer));
  EXPECT_EQ(t["post_processor"]["type"], "TemplateProcessing");
  EXPECT_EQ(t["post_processor"]["special_tokens"]["<｜begin▁of▁sentence｜>"]["ids"],
            Json::array({0}));
  EXPECT_EQ(t["decoder"]["type"], "ByteLevel");
  const Json& m = t["model"];
  EXPECT_EQ(m["type"], "BPE");
  EXPECT_EQ(m["byte_fallback"], false);
  EXPECT_EQ(m["ignore_merges"], false);
  EXPECT_EQ(m["vocab"].size(), 400u);
  EXPECT_EQ(m["vocab"]["<｜begin▁of▁sentence｜>"], 0);
  EXPECT_EQ(m["vocab"]["<|im_start|>"], 7);
  EXPECT_EQ(m["vocab"]["!"], 8);  // the byte alphabet follows the special tokens
  EXPECT_EQ(int64_t(m["merges"].size()), r.merges);
  for (const Json& merge : m["merges"]) {
    const std::string s = merge.get<std::string>();
    const size_t sp = s.find(' ');
    ASSERT_NE(sp, std::string::npos);
    EXPECT_EQ(s.find(' ', sp + 1), std::string::npos) << s;
    EXPECT_TRUE(m["vocab"].contains(s.substr(0, sp) + s.substr(sp + 1))) << s;
  }
  ASSERT_EQ(t["added_tokens"].size(), 8u);
  EXPECT_EQ(t["added_tokens"][5]["content"], "<think>");
  EXPECT_EQ(t["added_tokens"][5]["special"], false);
  EXPECT_EQ(t["added_tokens"][7]["id"], 7);

  const Json c = read_json_file(d.file("out/tokenizer_config.json"));
  EXPECT_EQ(c["tokenizer_class"], "LlamaTokenizerFast");
  EXPECT_EQ(c["bos_token"], "<｜begin▁of▁sentence｜>");
  EXPECT_EQ(c["eos_token"], "<｜end▁of▁sentence｜>");
  EXPECT_EQ(c["pad_token"], "<｜▁pad▁｜>");
  EXPECT_EQ(c["add_bos_token"], true);
  EXPECT_EQ(c["add_eos_token"], false);
  EXPECT_EQ(c["model_max_length"], 131072);
  EXPECT_EQ(c["chat_template"], read_bytes(d.file("chat.jinja")));
}

// Words cut the way r1 cuts them (the reference for "one token per word" below).
int64_t word_count(const std::string& family, const std::string& text) {
  WordCounter c(Json::parse(tokenizer_front_end(family, trainer_special_tokens({})).dump()), "t");
  c.add_text(text);
  int64_t n = 0;
  for (const auto& [w, k] : c.counts()) n += int64_t(k);
  return n;
}

TEST(TrainTokenizer, TrainedTokenizerLoadsAndRoundTrips) {
  TempDir d;
  write_bytes(d.file("corpus.txt"), sample_corpus(5));
  for (const TokenizerFamily& f : tokenizer_families()) {
    TokenizerTrainOptions o = options(d, 20000, f.name);
    o.family = f.name;
    const TokenizerTrainReport r = train_tokenizer(o);
    EXPECT_LT(r.vocab_size, 20000) << "the corpus should run out of pairs";
    const Tokenizer tok = Tokenizer::load(o.out_dir);
    EXPECT_EQ(tok.vocab_size(), r.vocab_size);
    // With every pair merged, each word of the corpus is one token and BOS comes first, once.
    // A line is cut as in the corpus when its newline is kept (the next line starts a word).
    for (const char* l : kLines) {
      const std::string line = std::string(l) + "\n";
      const std::vector<int32_t> ids = tok.encode(line, false);
      const int64_t added =
          std::count_if(ids.begin(), ids.end(), [](int32_t id) { return id < 7; });
      EXPECT_EQ(int64_t(ids.size()) - added, word_count(f.name, line)) << f.name << ": " << line;
      const std::vector<int32_t> with_bos = tok.encode(line, true);
      ASSERT_EQ(with_bos.size(), ids.size() + 1);
      EXPECT_EQ(with_bos[0], 0);
      EXPECT_EQ(tok.decode(ids), line);
    }
    for (const std::string s :
         {"unseen façade Ünïcödé", "ελληνικά 한국어 ภาษาไทย", "\t\ttabs\r\n  x",
          "bytes \xff\xfe here", "🧪🧬 9876543210", ""})
      EXPECT_EQ(tok.decode(tok.encode(s, false)), sanitize_utf8(s)) << f.name;
  }
}

// Also across thread counts: each thread counts its own blocks and the counts are summed.
TEST(TrainTokenizer, IsDeterministic) {
  TempDir d;
  std::string text;
  for (int i = 0; text.size() < (size_t(3) << 20); ++i)
    text += std::string(kLines[i % 9]) + " " + std::to_string(i * 7919 % 10007) + "\n";
  write_bytes(d.file("corpus.txt"), text);
  TokenizerTrainOptions a = options(d, 3000, "a"), b = options(d, 3000, "b");
  a.threads = 1;
  b.threads = 3;
  train_tokenizer(a);
  train_tokenizer(b);
  train_tokenizer(options(d, 3000, "c"));
  const std::string want = read_bytes(d.file("a/tokenizer.json"));
  EXPECT_EQ(want, read_bytes(d.file("b/tokenizer.json")));
  EXPECT_EQ(want, read_bytes(d.file("c/tokenizer.json")));
}

// A corpus of several blocks gives the words of one whole-text pass: blocks are cut only where
// no pre-tokenizer piece can span the cut.
TEST(TrainTokenizer, BlockReadingKeepsWords) {
  TempDir d;
  std::string text;
  for (int i = 0; text.size() < (size_t(5) << 19); ++i)
    text +=
        std::string("line ") + std::to_string(i) + ": " + kLines[i % 9] + (i % 7 ? "\n" : "\n\n  ");
  write_bytes(d.file("corpus.txt"), text);
  for (const char* family : {"deepseek-v3", "qwen2"}) {
    TokenizerTrainOptions o = options(d, 1500, family);
    o.family = family;
    o.threads = 1;
    train_tokenizer(o);
    WordCounter whole(Json::parse(tokenizer_front_end(family, trainer_special_tokens({})).dump()),
                      "t");
    whole.add_text(text);
    BpeTrainerConfig cfg;
    cfg.vocab_size = 1500;
    for (const AddedToken& t : trainer_special_tokens({})) cfg.leading_tokens.push_back(t.content);
    const Json want = Json::parse(bpe_model_json(train_bpe(whole.counts(), cfg)).dump());
    EXPECT_EQ(read_json_file(o.out_dir + "/tokenizer.json")["model"], want) << family;
  }
}

TEST(CorpusBlocks, CutAfterANewlineThatStartsAWordElseAtACharacter) {
  EXPECT_EQ(safe_block_cut("ab\ncd\n  ef\n\n", 13), 3u);  // not inside "\n  ef" or "\n\n"
  const std::string cjk = "x中文";                        // 1 + 3 + 3 bytes, no newline
  EXPECT_EQ(safe_block_cut(cjk, cjk.size()), 4u);         // the last character may be incomplete
  EXPECT_EQ(safe_block_cut(cjk, 6), 4u);
  EXPECT_EQ(safe_block_cut(cjk, 4), 1u);
}

TEST(TokenizerTrainCli, TrainsAndReportsErrors) {
  TempDir d;
  write_bytes(d.file("corpus.txt"), sample_corpus(2));
  write_bytes(d.file("empty.txt"), "");
  const std::string corpus = d.file("corpus.txt"), out = d.file("o");
  const std::string base = std::string("tokenizer train --quiet --corpus ") + corpus;
  auto ok = test::run_r1(base + " --vocab-size 300 --out " + d.file("out"));
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find(std::string("trained ") + d.file("out") + ": vocab 300"), std::string::npos)
      << ok.out;
  EXPECT_TRUE(std::filesystem::exists(d.file("out/tokenizer_config.json")));

  struct Case {
    std::string args;
    int exit_code;
    std::string message;
  };
  const Case cases[] = {
      {base + " --vocab-size 100 --out " + d.file("o"), 2, "--vocab-size 100 must be in [263,"},
      {base + " --vocab-size 300 --special-tokens a,b --out " + d.file("o"), 2, "byte symbols"},
      {base + " --vocab-size 300 --special-tokens '<x>,<x>' --out " + d.file("o"), 2, "twice"},
      {base + " --vocab-size 300 --pre-tokenizer gpt2 --out " + d.file("o"), 2, "--pre-tokenizer"},
      {std::string("tokenizer train --corpus ") + d.file("nope.txt") + " --vocab-size 300 --out " +
           d.file("o"),
       1, "nope.txt: cannot open the corpus"},
      {std::string("tokenizer train --corpus ") + d.path() + " --vocab-size 300 --out " +
           d.file("o"),
       1, "is not a regular file"},
      {std::string("tokenizer train --corpus ") + d.file("empty.txt") + " --vocab-size 300 --out " +
           d.file("o"),
       1, "empty.txt: the corpus is empty"},
      {base + " --vocab-size 300 --out " + d.file("corpus.txt/sub"), 1,
       "cannot create the output directory"},
      {base + " --vocab-size 300 --chat-template " + d.file("none.jinja") + " --out " + out, 1,
       "none.jinja: cannot open"},
      {"tokenizer", 2, "subcommand"},
  };
  for (const Case& c : cases) {
    const auto r = test::run_r1(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(out + "/tokenizer.json"));
}

std::string ids_str(const std::vector<int32_t>& ids) {
  std::ostringstream s;
  for (int32_t id : ids) s << id << ' ';
  return s.str();
}

// Trained by `r1 tokenizer train` and encoded by @huggingface/tokenizers in the
// trained_tokenizer_* CTest fixtures (tests/tokenizer/trained_vectors.mjs).
class TrainedTokenizerConformance : public ::testing::TestWithParam<const char*> {};

TEST_P(TrainedTokenizerConformance, MatchesHuggingFaceTokenizers) {
  const std::string dir = std::string(R1_TRAINED_TOKENIZER_DIR) + "/" + GetParam();
  if (!std::filesystem::exists(dir + "/expected.jsonl"))
    FAIL() << dir << "/expected.jsonl not found (run the trained_tokenizer_vectors fixture)";
  const Tokenizer tok = Tokenizer::load(dir);
  EXPECT_EQ(tok.vocab_size(), 2000);
  std::ifstream in(dir + "/expected.jsonl");
  int lines = 0, mismatches = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    const Json j = parse_json(dir + "/expected.jsonl", line.data(), line.data() + line.size());
    const std::string text = j.at("text").get<std::string>();
    const auto want = j.at("ids").get<std::vector<int32_t>>();
    const auto want_ns = j.at("ids_no_special").get<std::vector<int32_t>>();
    const auto got = tok.encode(text, true), got_ns = tok.encode(text, false);
    const std::string got_dec = tok.decode(want_ns);
    if (got == want && got_ns == want_ns && got_dec == j.at("decoded").get<std::string>()) continue;
    if (++mismatches <= 5)
      ADD_FAILURE() << "line " << lines << " " << Json(text).dump() << "\n  want " << ids_str(want)
                    << "\n  got  " << ids_str(got) << "\n  no special want " << ids_str(want_ns)
                    << "\n  no special got  " << ids_str(got_ns);
  }
  std::printf("[ conformance ] trained %s: %d lines, %d mismatches\n", GetParam(), lines,
              mismatches);
  EXPECT_GE(lines, 1990);
  EXPECT_EQ(mismatches, 0);
}

INSTANTIATE_TEST_SUITE_P(Families, TrainedTokenizerConformance,
                         ::testing::Values("deepseek-v3", "qwen2", "llama3"), [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

}  // namespace
}  // namespace r1::tok
