// Unit tests of the tokenizer pieces on small hand-written tokenizer.json documents.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "core/error.h"
#include "test_util.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/merge_table.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/parallel.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/regex.h"
#include "tokenizer/utf8.h"
#include "tokenizer/word_cache.h"

namespace {

using r1::Json;
using r1::Tokenizer;

// Byte b has id b; merges build "he", "ll", "hell", "hello", "Ġw".
Json tiny_json(bool merges_as_pairs = false) {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[r1::tok::byte_to_unicode((unsigned char)b)] = b;
  const char* merged[][2] = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {"Ġ", "w"}};
  Json merges = Json::array();
  int id = 256;
  for (auto& m : merged) {
    vocab[std::string(m[0]) + m[1]] = id++;
    if (merges_as_pairs)
      merges.push_back(Json::array({m[0], m[1]}));
    else
      merges.push_back(std::string(m[0]) + " " + m[1]);
  }
  Json added = Json::array();
  added.push_back({{"id", 300},
                   {"content", "<s>"},
                   {"special", true},
                   {"lstrip", false},
                   {"rstrip", false},
                   {"single_word", false},
                   {"normalized", false}});
  added.push_back({{"id", 301},
                   {"content", "<mask>"},
                   {"special", true},
                   {"lstrip", true},
                   {"rstrip", true},
                   {"single_word", false},
                   {"normalized", false}});
  added.push_back({{"id", 302},
                   {"content", "<m>"},
                   {"special", false},
                   {"lstrip", false},
                   {"rstrip", false},
                   {"single_word", false},
                   {"normalized", true}});
  return {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", Json::array({Json{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                Json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {300}}, {"tokens", {"<s>"}}}}}}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"byte_fallback", false}}}};
}

Tokenizer tiny(bool pairs = false) {
  return Tokenizer::from_json(tiny_json(pairs), Json(), "tiny.json");
}

std::vector<int32_t> V(std::initializer_list<int32_t> l) {
  return l;
}

TEST(TokenizerByteLevel, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += char(b);
  const std::string mapped = r1::tok::to_byte_level(all);
  EXPECT_TRUE(r1::tok::is_valid_utf8(mapped));
  std::string back;
  ASSERT_TRUE(r1::tok::from_byte_level(mapped, back));
  EXPECT_EQ(back, all);
  EXPECT_EQ(r1::tok::byte_to_unicode(' '), "Ġ");
  EXPECT_EQ(r1::tok::byte_to_unicode('\n'), "Ċ");
  EXPECT_EQ(r1::tok::byte_to_unicode('A'), "A");
  EXPECT_FALSE(r1::tok::from_byte_level("中", back));
}

TEST(TokenizerBpe, TinyMerges) {
  for (bool pairs : {false, true}) {
    const Tokenizer t = tiny(pairs);
    EXPECT_EQ(t.encode("hello", false), V({259}));
    EXPECT_EQ(t.encode("hel", false), V({256, 'l'}));
    EXPECT_EQ(t.encode("hello world", false), V({259, 260, 'o', 'r', 'l', 'd'}));
    EXPECT_EQ(t.encode("hello", true), V({300, 259}));
    EXPECT_EQ(t.decode({259, 260, 'o'}), "hello wo");
    EXPECT_EQ(t.token_to_id("hello"), 259);
    EXPECT_EQ(t.token_to_id("<mask>"), 301);
    EXPECT_EQ(t.token_to_id("nope"), -1);
    EXPECT_EQ(t.id_to_token(256), "he");
    EXPECT_EQ(t.vocab_size(), 303);
  }
}

TEST(TokenizerAddedTokens, SplitsWithLstripRstrip) {
  const Tokenizer t = tiny();
  EXPECT_EQ(t.encode("hello<s>hello", false), V({259, 300, 259}));
  // <mask> strips the spaces on both sides; <s> keeps them.
  EXPECT_EQ(t.encode("he  <mask>  he", false), V({256, 301, 256}));
  EXPECT_EQ(t.encode("he <s> he", false), V({256, ' ', 300, ' ', 256}));
  EXPECT_EQ(t.encode("<m><s>", false), V({302, 300}));
  EXPECT_EQ(t.decode({300, 259, 301}), "<s>hello<mask>");
  EXPECT_EQ(t.decode({300, 259, 302, 301}, true), "hello<m>");
}

TEST(TokenizerErrors, UnsupportedComponentsNameFileAndComponent) {
  auto expect_error = [](Json j, const std::string& part) {
    try {
      Tokenizer::from_json(j, Json(), "/x/tokenizer.json");
      ADD_FAILURE() << "no error for " << part;
    } catch (const r1::FormatError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("/x/tokenizer.json"), std::string::npos) << msg;
      EXPECT_NE(msg.find(part), std::string::npos) << msg;
    }
  };
  Json j = tiny_json();
  j["pre_tokenizer"] = {{"type", "Metaspace"}};
  expect_error(j, "pre_tokenizer 'Metaspace' is not supported");
  j = tiny_json();
  j["normalizer"] = {{"type", "NFKC"}};
  expect_error(j, "normalizer 'NFKC' is not supported");
  j = tiny_json();
  j["model"]["byte_fallback"] = true;
  expect_error(j, "byte_fallback");
  j = tiny_json();
  j["model"]["type"] = "Unigram";
  expect_error(j, "model 'Unigram' is not supported");
  j = tiny_json();
  j["decoder"] = {{"type", "WordPiece"}};
  expect_error(j, "decoder 'WordPiece' is not supported");
  j = tiny_json();
  j["post_processor"] = {{"type", "Weird"}};
  expect_error(j, "post_processor 'Weird' is not supported");
  j = tiny_json();
  j["pre_tokenizer"] = {{"type", "Split"},
                        {"pattern", {{"Regex", "(unclosed"}}},
                        {"behavior", "Isolated"},
                        {"invert", false}};
  expect_error(j, "invalid regex");
  j = tiny_json();
  j["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Removed"}, {"invert", false}};
  expect_error(j, "behavior 'Removed' is not supported");
  j = tiny_json();
  j["model"]["merges"].push_back("zz qq");
  expect_error(j, "not in the vocab");
  j = tiny_json();
  j["model"]["vocab"]["bad"] = "x";
  expect_error(j, "vocab entry 'bad'");
}

TEST(TokenizerErrors, OneIdForTwoStringsIsAnErrorNamingBoth) {
  auto expect_error = [](const Json& j, std::vector<std::string> parts) {
    try {
      Tokenizer::from_json(j, Json(), "/x/tokenizer.json");
      ADD_FAILURE() << "no error for " << parts[0];
    } catch (const r1::FormatError& e) {
      const std::string msg = e.what();
      for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << msg;
    }
  };
  Json j = tiny_json();
  j["model"]["vocab"]["dup"] = 256;  // "he" has 256
  expect_error(j, {"/x/tokenizer.json", "vocab id 256 is given to two strings", "'he'", "'dup'"});
  j = tiny_json();
  j["added_tokens"].push_back({{"id", 259}, {"content", "<x>"}});  // 259 is "hello"
  expect_error(j, {"/x/tokenizer.json", "added token '<x>' has id 259", "'hello'"});
  j = tiny_json();
  j["added_tokens"].push_back({{"id", 300}, {"content", "<other>"}});  // 300 is "<s>"
  expect_error(j, {"added_tokens: id 300 is given to both '<s>' and '<other>'"});
  // Repeating a vocabulary entry as an added token with its own id is fine (DeepSeek-V3 does).
  j = tiny_json();
  j["added_tokens"].push_back({{"id", 259}, {"content", "hello"}, {"special", true}});
  EXPECT_EQ(Tokenizer::from_json(j, Json(), "t").token_to_id("hello"), 259);
}

TEST(TokenizerErrors, MalformedFilesNameThePath) {
  const auto dir = std::filesystem::temp_directory_path() / "r1_tok_bad";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "tokenizer.json").string();
  for (const char* body : {"{\"model\": ", "[1,2]", "{}", "{\"model\": {\"type\": \"BPE\"}}"}) {
    std::ofstream(path) << body;
    try {
      Tokenizer::load(dir.string());
      ADD_FAILURE() << "no error for " << body;
    } catch (const r1::Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(Tokenizer::load((dir / "missing").string()), r1::IoError);
  std::filesystem::remove_all(dir);
}

TEST(TokenizerUtf8, InvalidInputBecomesReplacementCharacter) {
  EXPECT_EQ(r1::tok::sanitize_utf8("a\xff"
                                   "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(r1::tok::sanitize_utf8("\xE4\xB8"), "\xEF\xBF\xBD");  // truncated: one U+FFFD
  EXPECT_EQ(r1::tok::sanitize_utf8("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");                          // surrogate
  EXPECT_EQ(r1::tok::sanitize_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  const Tokenizer t = tiny();
  EXPECT_EQ(t.encode("h\xff", false), t.encode("h\xEF\xBF\xBD", false));
  EXPECT_EQ(t.decode({0xE4, 0xB8}), "\xEF\xBF\xBD");  // half a character decodes to U+FFFD
}

TEST(TokenizerBpe, LongWordIsFast) {
  const Tokenizer t = tiny();
  std::string word;
  for (int i = 0; i < 4000; ++i) word += "hello";  // 20,000 characters, one piece
  const auto t0 = std::chrono::steady_clock::now();
  const auto ids = t.encode(word, false);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(ids.size(), 4000u);
  EXPECT_LT(s, 0.5);
  std::string bytes;
  for (int i = 0; i < 20000; ++i) bytes += char('a' + i % 26);
  EXPECT_EQ(t.decode(t.encode(bytes, false)), bytes);
}

TEST(TokenizerStreaming, NeverEmitsBrokenUtf8) {
  const Tokenizer t = tiny();
  const std::string text = "😀 中文 👨‍👩‍👧 é";
  std::vector<int32_t> ids;
  for (unsigned char c : text) ids.push_back(c);  // one token per byte: worst case for streaming
  r1::StreamingDecoder sd(t);
  std::string all;
  for (int32_t id : ids) {
    const std::string piece = sd.push(id);
    EXPECT_TRUE(r1::tok::is_valid_utf8(piece));
    all += piece;
  }
  all += sd.flush();
  EXPECT_EQ(all, text);
  r1::StreamingDecoder sd2(t);
  EXPECT_EQ(sd2.push(0xE4), "");
  EXPECT_EQ(sd2.push('a'),
            "\xEF\xBF\xBD"
            "a");  // an interrupted character becomes U+FFFD
  EXPECT_EQ(sd2.push(0xF0), "");
  EXPECT_EQ(sd2.flush(), "\xEF\xBF\xBD");
}

TEST(TokenizerNormalizer, Nfc) {
  EXPECT_EQ(r1::tok::nfc("e\xCC\x81"), "\xC3\xA9");  // e + acute -> é
  EXPECT_EQ(r1::tok::nfc("A\xCC\x8A"), "\xC3\x85");  // A + ring -> Å
  EXPECT_EQ(r1::tok::nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // Hangul L V T
  EXPECT_EQ(r1::tok::nfc("\xE2\x84\xAB"), "\xC3\x85");               // Angstrom sign -> Å
  EXPECT_EQ(r1::tok::nfc("a\xCC\xA7\xCC\x81"), "\xC3\xA1\xCC\xA7");  // acute not blocked
  EXPECT_EQ(r1::tok::nfc("c\xCC\x81\xCC\xA7"), "\xE1\xB8\x89");      // reordered, then ḉ
  EXPECT_EQ(r1::tok::nfc("plain ascii"), "plain ascii");
}

TEST(TokenizerNormalizer, QuickCheck) {
  using r1::tok::is_nfc_quick;
  EXPECT_TRUE(is_nfc_quick("plain ascii"));
  EXPECT_TRUE(is_nfc_quick("\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xEA\xB0\x81"));  // é 中文 각
  EXPECT_FALSE(is_nfc_quick("e\xCC\x81"));                 // a mark that composes (Maybe)
  EXPECT_FALSE(is_nfc_quick("\xE2\x84\xAB"));              // Angstrom sign (No)
  EXPECT_FALSE(is_nfc_quick("\xE1\x84\x80\xE1\x85\xA1"));  // Hangul L V (V is Maybe)
  EXPECT_TRUE(is_nfc_quick("x\xCC\x96\xCD\x9C"));          // ordered marks 220 < 233
  EXPECT_FALSE(is_nfc_quick("x\xCD\x9C\xCC\x96"));         // out of canonical order
  EXPECT_FALSE(is_nfc_quick("\xF4\x90\x80\x80"));          // not UTF-8: never "certainly NFC"
}

// Random strings of characters that decompose, compose, reorder or block one another, inside
// longer ASCII and CJK text so that only stretches of it need the full algorithm; the expected
// NFC is Python's unicodedata (the Unicode version the tables were generated from).
TEST(TokenizerNormalizer, NfcMatchesPythonUnicodedata) {
  const std::string dir = r1::test::make_temp_dir("nfc");
  const std::string script = dir + "/nfc.py", cases = dir + "/cases.jsonl";
  std::ofstream(script) << R"(import json, random, sys, unicodedata as ud
assert ud.unidata_version == '14.0.0', ud.unidata_version
rng = random.Random(7)
pool = [0x41, 0x61, 0x65, 0x20, 0x4E2D, 0xE9, 0xC5, 0x212B, 0x2126, 0x340, 0x344, 0xF73, 0x301,
        0x308, 0x323, 0x327, 0x35C, 0x345, 0x5B0, 0x5BC, 0x1100, 0x1161, 0x11A8, 0xAC00, 0xAC01,
        0x915, 0x93C, 0x958, 0xB47, 0xB3E, 0xB57, 0x1E0A, 0x1E0C, 0x1F00, 0x3099, 0x304B, 0x1D15E,
        0x1D165, 0x1D16E, 0xFB1D, 0x2ADC, 0x338, 0x3C, 0x1B05, 0x1B35, 0x11131, 0x11127]
with open(sys.argv[1], 'w') as out:
    for _ in range(3000):
        core = ''.join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 12)))
        pre = 'x' * rng.randint(0, 20) + rng.choice(['', ' ', '\u4e2d\u6587'])
        post = rng.choice(['', 'y' * rng.randint(1, 30), '\u0301'])
        s = pre + core + post + core[::-1]
        out.write(json.dumps({'s': s, 'nfc': ud.normalize('NFC', s)}) + '\n')
)";
  const auto r = r1::test::run_command("/usr/bin/python3 " + script + " " + cases);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::ifstream in(cases);
  int n = 0, bad = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const Json j = Json::parse(line);
    const std::string s = j["s"].get<std::string>(), want = j["nfc"].get<std::string>();
    const std::string got = r1::tok::nfc(s);
    if (got != want && ++bad <= 5) ADD_FAILURE() << "nfc of " << j["s"].dump() << " gave " << got;
    if (r1::tok::is_nfc_quick(s) && s != want) ADD_FAILURE() << "quick check passed " << line;
  }
  EXPECT_EQ(n, 3000);
  EXPECT_EQ(bad, 0);
}

TEST(TokenizerWordCache, FindsWhatWasInsertedAndForgetsWhenFull) {
  r1::tok::WordCache cache(100);
  auto key = [](int i) { return std::string(size_t(i % 40), 'k') + std::to_string(i); };
  auto ids = [](int i) { return std::vector<int32_t>(size_t(i % 11), i); };
  for (int i = 0; i < 100; ++i) {
    const std::string k = key(i);
    const auto v = ids(i);
    cache.insert(k, r1::tok::hash_bytes(k), v);
  }
  EXPECT_EQ(cache.size(), 100u);
  for (int i = 0; i < 100; ++i) {  // short and long keys, inline and arena ids
    const std::string k = key(i);
    size_t n = 99;
    const int32_t* got = cache.find(k, r1::tok::hash_bytes(k), n);
    ASSERT_NE(got, nullptr) << k;
    EXPECT_EQ(std::vector<int32_t>(got, got + n), ids(i)) << k;
  }
  size_t n = 99;
  EXPECT_EQ(cache.find("absent", r1::tok::hash_bytes("absent"), n), nullptr);
  EXPECT_EQ(n, 0u);
  cache.insert("one more", r1::tok::hash_bytes("one more"), ids(3));  // full: starts over
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find(key(5), r1::tok::hash_bytes(key(5)), n), nullptr);
  EXPECT_NE(cache.find("one more", r1::tok::hash_bytes("one more"), n), nullptr);
  EXPECT_NE(r1::tok::hash_bytes("ab"), r1::tok::hash_bytes("ba"));
  EXPECT_NE(r1::tok::hash_bytes("abc"), r1::tok::hash_bytes("acc"));
}

TEST(TokenizerWordCache, SharedCacheKeepsTheFirstInsert) {
  r1::tok::SharedWordCache cache;
  const uint64_t h = r1::tok::hash_bytes("word");
  std::vector<int32_t> out{7};
  EXPECT_FALSE(cache.find("word", h, out));
  cache.insert("word", h, V({1, 2}));
  cache.insert("word", h, V({3}));  // a thread that lost the race inserts the same key again
  EXPECT_TRUE(cache.find("word", h, out));
  EXPECT_EQ(out, V({7, 1, 2}));  // appended
}

TEST(TokenizerMergeTable, FirstMergeOfAPairWins) {
  r1::tok::MergeTable t;
  for (int32_t i = 0; i < 5000; ++i) t.insert(i, i + 1, {i, 10000 + i});
  t.insert(7, 8, {99999, 1});  // a later duplicate does not replace the first
  EXPECT_EQ(t.size(), 5000u);
  for (int32_t i = 0; i < 5000; ++i) {
    const auto* m = t.find(i, i + 1);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->rank, i);
    EXPECT_EQ(m->new_id, 10000 + i);
  }
  EXPECT_EQ(t.find(8, 7), nullptr);
  EXPECT_EQ(r1::tok::MergeTable().find(1, 2), nullptr);
}

// Each thread caches BPE results per model: two tokenizers that split the same word differently
// must not see each other's results, however their encodes interleave.
TEST(TokenizerBpe, WordCachesAreKeptApartPerModel) {
  Json other = tiny_json();
  other["model"]["merges"] = Json::array({"h e", "l l"});
  const Tokenizer a = tiny(), b = Tokenizer::from_json(other, Json(), "other.json");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.encode("hello", false), V({259}));
    EXPECT_EQ(b.encode("hello", false), V({256, 257, 'o'}));
  }
}

// A fresh thread finds the words other threads merged in the model's shared cache.
TEST(TokenizerBpe, FreshThreadGetsTheSameIdsFromTheSharedCache) {
  const Tokenizer t = tiny();
  const std::string text = "hello world, hello hell he hello<s>wor";
  const auto want = t.encode(text, true);
  for (int i = 0; i < 3; ++i) {
    std::vector<int32_t> got;
    std::thread([&] { got = t.encode(text, true); }).join();
    EXPECT_EQ(got, want);
  }
}

// The hand-written matchers against PCRE2 itself on random text built from the characters whose
// classes the patterns care about, ASCII and not.
TEST(TokenizerRegexFast, SameMatchesAsPcre2) {
  const char* patterns[] = {
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
      "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
      "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "[!\"#$%&'()*+,\\-./"
      ":;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
      " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
      "\\p{N}{1,3}", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+"};
  const char* pieces[] = {
      "a", "Z",      "s",      "S",   "t",  "re", "RE",     "ve",   "ll",     "lL",     "d",  "m",
      "'", "0",      "7",      "123", " ",  "  ", "\t",     "\n",   "\r",     "\r\n",   "\v", "\f",
      "!", "$",      "(",      "~",   "_",  "-",  "\x01",   "\x1F", "\x7F",   "é",      "ſ",  "²",
      "٣", "\u00A0", "\u3000", "中",  "ぁ", "ァ", "\u0301", "😀",    "\u2028", "\u0085", "ä",  "Ω"};
  std::mt19937 rng(1234);
  for (const char* pattern : patterns) {
    ASSERT_NE(r1::tok::recognize_fast_pattern(pattern), r1::tok::FastPattern::kNone) << pattern;
    const r1::tok::Regex fast(pattern, "t", "fast"), slow(pattern, "t", "pcre2", false);
    int differ = 0;
    for (int n = 0; n < 20000; ++n) {
      std::string text;
      const int len = int(rng() % 20) + 1;
      for (int k = 0; k < len; ++k) text += pieces[rng() % std::size(pieces)];
      std::vector<std::pair<size_t, size_t>> a, b;
      fast.find_all(text, a);
      slow.find_all(text, b);
      if (a != b && ++differ <= 3) ADD_FAILURE() << pattern << "\non " << Json(text).dump();
    }
    EXPECT_EQ(differ, 0) << pattern;
  }
  EXPECT_EQ(r1::tok::recognize_fast_pattern("\\p{L}+"), r1::tok::FastPattern::kNone);
}

TEST(TokenizerPreTokenizer, RangeModes) {
  using Mode = r1::tok::PreTokenizer::RangeMode;
  auto mode = [](const char* json) {
    return r1::tok::parse_pre_tokenizer(Json::parse(json), "x")->range_mode();
  };
  const char* split = R"({"type": "Split", "pattern": {"Regex": "\\d"}, "behavior": "Isolated"})";
  const char* bl = R"({"type": "ByteLevel", "add_prefix_space": false, "use_regex": true})";
  const char* bl_prefix = R"({"type": "ByteLevel", "add_prefix_space": true, "use_regex": true})";
  EXPECT_EQ(mode(split), Mode::kPlain);
  EXPECT_EQ(mode(bl), Mode::kByteLevel);
  EXPECT_EQ(mode(bl_prefix), Mode::kNone);  // rewrites the text
  EXPECT_EQ(
      mode((std::string(R"({"type": "Sequence", "pretokenizers": [)") + split + "," + bl + "]}")
               .c_str()),
      Mode::kByteLevel);
  // A split after the byte-level mapping sees mapped text: only the string path is exact.
  EXPECT_EQ(
      mode((std::string(R"({"type": "Sequence", "pretokenizers": [)") + bl + "," + split + "]}")
               .c_str()),
      Mode::kNone);
}

// add_prefix_space takes the string path (apply()); the result is what the range path gives for
// the text with the space written out.
TEST(TokenizerPreTokenizer, PrefixSpacePathMatchesRangePath) {
  Json j = tiny_json();
  j["pre_tokenizer"]["add_prefix_space"] = true;
  const Tokenizer prefixed = Tokenizer::from_json(j, Json(), "prefix.json"), plain = tiny();
  // Every piece between added tokens gets the space unless it starts with one.
  const std::pair<const char*, const char*> cases[] = {{"hello world", " hello world"},
                                                       {" hello", " hello"},
                                                       {"he<m>llo", " he<m> llo"},
                                                       {"12 hello\n\nworld", " 12 hello\n\nworld"}};
  for (const auto& [text, spaced] : cases)
    EXPECT_EQ(prefixed.encode(text, false), plain.encode(spaced, false)) << text;
}

TEST(TokenizerBatch, SameIdsAsEncodeOnAnyThreadCount) {
  const Tokenizer t = tiny();
  std::vector<std::string> texts;
  for (int i = 0; i < 500; ++i)
    texts.push_back(std::string(size_t(i % 7), ' ') + "hello<s>world " + std::to_string(i) +
                    std::string(size_t(i % 5), 'l'));
  std::vector<std::vector<int32_t>> want;
  for (const auto& s : texts) want.push_back(t.encode(s, true));
  for (int threads : {1, 2, 3, 8, 0}) EXPECT_EQ(t.encode_batch(texts, true, threads), want);
  EXPECT_TRUE(t.encode_batch({}, true, 4).empty());
}

TEST(TokenizerBatch, ParallelLoopRethrowsTheLowestFailingIndex) {
  for (int threads : {1, 2, 4}) {
    std::vector<int> seen(1000, 0);
    r1::tok::for_each_parallel(seen.size(), threads, [&](size_t i) { ++seen[i]; });
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 1000);
    try {
      r1::tok::for_each_parallel(1000, threads, [&](size_t i) {
        if (i == 333 || i == 334 || i == 900) throw r1::FormatError("bad " + std::to_string(i));
      });
      ADD_FAILURE() << "no error";
    } catch (const r1::FormatError& e) {
      EXPECT_STREQ(e.what(), "bad 333");
    }
  }
}

// --jsonl on several threads reports the first bad line, as one thread would.
TEST(TokenizerCli, JsonlNamesTheFirstBadLineOnAnyThreadCount) {
  const std::string dir = r1::test::make_temp_dir("tok_jsonl");
  std::ofstream(dir + "/tokenizer.json") << tiny_json().dump();
  {
    std::ofstream in(dir + "/in.jsonl");
    for (int i = 1; i <= 400; ++i)
      in << (i == 250 ? "[1]" : i == 390 ? "\"x" : "\"hello\"") << "\n";
  }
  for (int threads : {1, 2, 3}) {
    const auto r =
        r1::test::run_command(R1_BINARY " tokenize --jsonl --threads " + std::to_string(threads) +
                              " --model " + dir + " < " + dir + "/in.jsonl");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("stdin line 250: expected a JSON string"), std::string::npos) << r.out;
  }
}

TEST(TokenizerCli, TokenizeAndDetokenize) {
  const std::string dir = r1::test::make_temp_dir("tok_cli");
  std::ofstream(dir + "/tokenizer.json") << tiny_json().dump();
  auto r = r1::test::run_command("printf 'hello world' | " R1_BINARY " tokenize --model " + dir);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "[300,259,260,111,114,108,100]\n");
  r = r1::test::run_command("printf 'hello' | " R1_BINARY " tokenize --no-bos --model " + dir);
  EXPECT_EQ(r.out, "[259]\n");
  r = r1::test::run_command(
      "printf '\"hello\"\\n\"he\"\\n' | " R1_BINARY " tokenize --jsonl --no-bos --model " + dir);
  EXPECT_EQ(r.out, "[259]\n[256]\n");
  r = r1::test::run_command("echo '[259,260]' | " R1_BINARY " detokenize --model " + dir);
  EXPECT_EQ(r.out, "hello w");
  r = r1::test::run_command(
      "printf '[259]\\n[256,10]\\n' | " R1_BINARY " detokenize --jsonl --model " + dir);
  EXPECT_EQ(r.out, "\"hello\"\n\"he\\n\"\n");
  r = r1::test::run_command("echo '[1,' | " R1_BINARY " detokenize --model " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("stdin"), std::string::npos) << r.out;
  r = r1::test::run_command("echo '[99999]' | " R1_BINARY " detokenize --model " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  r = r1::test::run_command(R1_BINARY " tokenize --model " + dir + "/nope </dev/null");
  EXPECT_EQ(r.exit_code, 1) << r.out;
}

}  // namespace
