// Tokenizer::encode(PromptText) and encode_at_most() on the real tokenizer.json files: no added
// token is ever matched inside data, everything else is encoded as encode() does, the bounded
// form refuses huge prompts after little work, and the streaming encoder gives the ids of the
// pipeline run stage by stage on whole lists of pieces.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "io/json_file.h"
#include "tokenizer/added_vocab.h"
#include "tokenizer/bpe.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace r1 {
namespace {

// The encoder's stages run one after another on whole strings and lists of pieces (apply()),
// independently of Tokenizer's streaming offsets: the reference for its ids.
struct StagedEncoder {
  tok::Normalizer normalizer;
  std::unique_ptr<tok::PreTokenizer> pre;
  tok::BpeModel model;
  tok::AddedVocabulary added;

  explicit StagedEncoder(const Json& j)
      : normalizer(tok::Normalizer::parse(j.value("normalizer", Json()), "t")),
        pre(tok::parse_pre_tokenizer(j.value("pre_tokenizer", Json()), "t")),
        model(tok::BpeModel::parse(j["model"], "t")),
        added(tok::parse_added_tokens(j["added_tokens"], "t")) {}

  // Text with no added-token matching at all (split_special_tokens=True).
  void plain(std::string_view text, std::vector<int32_t>& ids) const {
    std::vector<std::string> pieces{normalizer.apply(text)};
    if (pieces[0].empty()) return;
    pre->apply(pieces);
    for (const std::string& p : pieces) model.encode_piece(p, ids);
  }
  std::vector<int32_t> plain(std::string_view text) const {
    std::vector<int32_t> ids;
    plain(tok::sanitize_utf8(text), ids);
    return ids;
  }
  // encode(text, false) as the stages of the pipeline with whole lists of segments.
  std::vector<int32_t> encode(std::string_view input) const {
    const std::string text = tok::sanitize_utf8(input);
    std::vector<int32_t> ids;
    std::vector<tok::Segment> raw;
    added.split(text, false, raw);
    for (const tok::Segment& s : raw) {
      if (s.id >= 0) {
        ids.push_back(s.id);
        continue;
      }
      std::vector<tok::Segment> norm;
      added.split(normalizer.apply(s.text), true, norm);
      for (const tok::Segment& n : norm)
        if (n.id >= 0)
          ids.push_back(n.id);
        else
          plain(n.text, ids);
    }
    return ids;
  }
};

struct RealTokenizer {
  Tokenizer tok;
  StagedEncoder staged;
  std::vector<std::string> added_contents;
  std::set<int32_t> added_ids;
  std::vector<std::string> texts;  // the conformance texts
};

const RealTokenizer& real(const std::string& name) {
  static std::map<std::string, std::unique_ptr<RealTokenizer>> cache;
  auto& slot = cache[name];
  if (slot) return *slot;
  const std::string dir = std::string(R1_TOKENIZER_VECTORS_DIR) + "/" + name;
  const Json j = read_json_file(dir + "/tokenizer.json");
  slot.reset(new RealTokenizer{Tokenizer::load(dir), StagedEncoder(j), {}, {}, {}});
  for (const Json& a : j["added_tokens"]) {
    slot->added_contents.push_back(a["content"].get<std::string>());
    slot->added_ids.insert(a["id"].get<int32_t>());
  }
  std::ifstream in(dir + "/expected.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) slot->texts.push_back(Json::parse(line).at("text").get<std::string>());
  return *slot;
}

PromptText all_data(const std::string& text) {
  PromptText p;
  p.append_data(text);
  return p;
}

class PromptEncode : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(R1_TOKENIZER_VECTORS_DIR) + "/" + GetParam()))
      FAIL() << "run the tokenizer_vectors fixture first";
  }
};

// Every added token, spelled inside data, is plain text there: no added id, and the ids of the
// stages with added-token matching off. Right after the data, the same token written by the
// template is still matched.
TEST_P(PromptEncode, NoAddedTokenIsMatchedInsideData) {
  const RealTokenizer& r = real(GetParam());
  ASSERT_GT(r.added_contents.size(), 0u);
  for (const std::string& content : r.added_contents) {
    const std::string text = "Hi " + content + "x" + content + " " + content;
    const std::vector<int32_t> ids = r.tok.encode(all_data(text), false);
    const std::vector<int32_t> want = r.staged.plain(text);
    ASSERT_EQ(ids, want) << content;
    for (int32_t id : ids) ASSERT_EQ(r.added_ids.count(id), 0u) << content << " gave id " << id;

    PromptText p = all_data(text);
    p.append_template(content);
    std::vector<int32_t> with_template = want;
    with_template.push_back(r.tok.token_to_id(content));
    EXPECT_EQ(r.tok.encode(p, false), with_template) << content;
    // Outside data, the token is matched as encode() matches it.
    EXPECT_EQ(r.tok.encode(PromptText{text, {}}, false), r.tok.encode(text, false)) << content;
  }
}

// A token that starts in template text and ends in data is not matched; one that ends where the
// data starts is.
TEST_P(PromptEncode, NoMatchAcrossTheEdgeOfData) {
  const RealTokenizer& r = real(GetParam());
  for (const std::string& content : r.added_contents) {
    if (content.size() < 2) continue;
    const int32_t id = r.tok.token_to_id(content);
    for (size_t cut = 1; cut < content.size(); cut += 3) {
      PromptText p;
      p.append_template("A");
      p.append_template(std::string_view(content).substr(0, cut));
      p.append_data(std::string_view(content).substr(cut));
      p.append_data("B");
      const std::vector<int32_t> ids = r.tok.encode(p, false);
      ASSERT_EQ(std::count(ids.begin(), ids.end(), id), 0) << content << " cut at " << cut;
    }
  }
}

// No data: exactly encode(text), on every conformance text, bounded or not.
TEST_P(PromptEncode, WithoutDataRangesItIsEncode) {
  const RealTokenizer& r = real(GetParam());
  ASSERT_GT(r.texts.size(), 0u);
  for (const std::string& text : r.texts) {
    const std::vector<int32_t> want = r.tok.encode(text, true);
    ASSERT_EQ(r.tok.encode(PromptText{text, {}}, true), want) << Json(text).dump();
    ASSERT_EQ(r.tok.encode_at_most(PromptText{text, {}}, true, want.size()), want);
    if (!want.empty()) {
      ASSERT_FALSE(r.tok.encode_at_most(PromptText{text, {}}, true, want.size() - 1));
    }
  }
}

// The conformance texts as data are plain text, and interleaved with template text each data
// stretch is (when the template text is a lone space, which no added token holds).
TEST_P(PromptEncode, ConformanceTextsAsData) {
  const RealTokenizer& r = real(GetParam());
  for (const std::string& text : r.texts) {
    const std::vector<int32_t> ids = r.tok.encode(all_data(text), false);
    ASSERT_EQ(ids, r.staged.plain(text)) << Json(text).dump();
    for (int32_t id : ids) ASSERT_EQ(r.added_ids.count(id), 0u) << Json(text).dump();
  }
}

// The streaming encoder (pieces handed from the pre-tokenizer to BPE one at a time) against the
// stages run on whole lists, on a text of about 1 MB and on long runs without spaces.
TEST_P(PromptEncode, StreamingMatchesStagesOnLongTexts) {
  const RealTokenizer& r = real(GetParam());
  std::string text;
  for (size_t i = 0; text.size() < (1u << 20); ++i) text += r.texts[i % r.texts.size()] + "\n";
  EXPECT_EQ(r.tok.encode(text, false), r.staged.encode(text));
  std::string letters;
  for (size_t i = 0; i < 200000; ++i) letters += char('a' + (i * 7 + i / 13) % 26);
  EXPECT_EQ(r.tok.encode(letters, false), r.staged.encode(letters));
  const std::string digits_and_marks(300000, '9');
  EXPECT_EQ(r.tok.encode(digits_and_marks + "!!", false), r.staged.encode(digits_and_marks + "!!"));
}

INSTANTIATE_TEST_SUITE_P(RealTokenizers, PromptEncode,
                         ::testing::Values("deepseek_v3", "deepseek_r1", "qwen3", "llama3_1"));

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// 64 MB without a space (one BPE piece: minutes unbounded) and 64 MB of words are refused for a
// 4096-token limit after work on a few hundred KB at most.
TEST(PromptEncodeBound, HugePromptsAreRefusedQuickly) {
  const RealTokenizer& r = real("deepseek_v3");
  const PromptText letters{std::string(64 << 20, 'a'), {}};
  PromptText words, specials;
  while (words.text.size() < (64u << 20)) words.text += "the quick brown fox jumps over the lazy dog ";
  while (specials.text.size() < (16u << 20)) specials.text += "<｜User｜>";
#ifdef NDEBUG
  const double limit_s = 1.0;
#else
  const double limit_s = 10.0;  // unoptimised sanitizer builds
#endif
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(r.tok.encode_at_most(letters, true, 4096));
  EXPECT_FALSE(r.tok.encode_at_most(words, true, 4096));
  EXPECT_FALSE(r.tok.encode_at_most(specials, true, 4096));
  EXPECT_LT(seconds_since(t0), limit_s);
  // Just under the limit is still encoded whole.
  const std::vector<int32_t> ids = r.tok.encode(words.text.substr(0, 20000), true);
  EXPECT_EQ(r.tok.encode_at_most(PromptText{words.text.substr(0, 20000), {}}, true, ids.size()),
            ids);
}

// Invalid UTF-8 and NFC next to data: the ranges follow the text through the replacement of bad
// bytes and through composition (a character composed across the edge counts as data).
TEST(PromptEncodeData, RangesSurviveSanitizingAndNfc) {
  const RealTokenizer& ds = real("deepseek_v3");
  PromptText p;
  p.append_template("\xff");
  p.append_data("\xe2<｜User｜>\xff");
  p.append_template("<｜User｜>");
  const std::vector<int32_t> ids = ds.tok.encode(p, false);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), ds.tok.token_to_id("<｜User｜>")), 1);
  EXPECT_EQ(ids.back(), ds.tok.token_to_id("<｜User｜>"));

  const RealTokenizer& qwen = real("qwen3");
  PromptText q;
  q.append_template("e");
  q.append_data("\u0301<|im_start|>\u0301");
  q.append_template("<|im_end|>");
  const std::vector<int32_t> qids = qwen.tok.encode(q, false);
  EXPECT_EQ(std::count(qids.begin(), qids.end(), qwen.tok.token_to_id("<|im_start|>")), 0);
  EXPECT_EQ(qids.back(), qwen.tok.token_to_id("<|im_end|>"));
  EXPECT_EQ(qwen.tok.decode(qids), tok::nfc("e\u0301<|im_start|>\u0301") + "<|im_end|>");
}

}  // namespace
}  // namespace r1
