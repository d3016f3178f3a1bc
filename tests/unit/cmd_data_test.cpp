// `r1 data tokenize` with the real DeepSeek-V3 tokenizer and the R1 chat template: ids equal
// the library's encoding (JSONL documents + EOS, a chunked plain text file, chat + mask,
// prompt-completion + mask), and bad input fails with one line naming file:line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "chat/chat_template.h"
#include "io_test_util.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"
#include "train/prompt_completion.h"
#include "train/sft_data.h"
#include "train/token_file.h"

namespace r1 {
namespace {

namespace fs = std::filesystem;

// A model directory: the small trained DeepSeek-style tokenizer with R1's template. What is
// tested is the data commands, not the vocabulary; loading the real 128k one in every test and
// its r1 process cost minutes under ASan.
std::string r1_tokenizer_dir() { return std::string(R1_TRAINED_TOKENIZER_DIR) + "/deepseek-v3"; }

std::vector<int32_t> read_ids(const std::string& path, int64_t vocab) {
  const TokenFile f = TokenFile::open(path, vocab);
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < f.size(); ++i) ids.push_back(int32_t(f.at(i)));
  return ids;
}

TEST(CmdData, JsonlDocumentsEndWithEos) {
  const std::string model = r1_tokenizer_dir(), dir = test::make_temp_dir("data_jsonl");
  testing::write_bytes(
      dir + "/in.jsonl",
      "{\"body\": \"Hello world.\"}\n\n{\"body\": \"Second  doc\\nwith lines\", \"x\": 1}\n");
  const test::RunResult r =
      test::run_r1("data tokenize --quiet --model " + model + " --input " + dir +
                   "/in.jsonl --out " + dir + "/out.bin --field body --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Tokenizer tok = Tokenizer::load(model);
  const int32_t eos = tok.token_to_id("<｜end▁of▁sentence｜>");
  std::vector<int32_t> want = tok.encode("Hello world.", false);
  want.push_back(eos);
  for (int32_t id : tok.encode("Second  doc\nwith lines", false)) want.push_back(id);
  want.push_back(eos);
  EXPECT_EQ(read_ids(dir + "/out.bin", tok.vocab_size()), want);
}

TEST(CmdData, PlainTextInChunksEqualsEncodingTheWholeFile) {
  const std::string model = r1_tokenizer_dir(), dir = test::make_temp_dir("data_text");
  std::string text;
  for (int i = 0; text.size() < 300000; ++i) {
    text += "Line " + std::to_string(i) + " of the corpus, with   spaces and 123456 digits.\n";
    if (i % 7 == 0) text += "\n\n";
    if (i % 11 == 0) text += "  indented line\n";
  }
  text += "last line without newline";
  testing::write_bytes(dir + "/in.txt", text);
  const test::RunResult r = test::run_r1("data tokenize --quiet --model " + model + " --input " +
                                         dir + "/in.txt --out " + dir + "/out.bin");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Tokenizer tok = Tokenizer::load(model);
  std::vector<int32_t> want = tok.encode(text, false);
  want.push_back(tok.token_to_id("<｜end▁of▁sentence｜>"));
  const std::vector<int32_t> got = read_ids(dir + "/out.bin", tok.vocab_size());
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
}

TEST(CmdData, ChatJsonlWritesTokensAndMask) {
  const std::string model = r1_tokenizer_dir(), dir = test::make_temp_dir("data_chat");
  const std::string a =
      R"({"messages": [{"role": "user", "content": "1+1?"}, {"role": "assistant", "content": "<think>easy</think>2"}]})";
  const std::string b =
      R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]})";
  testing::write_bytes(dir + "/chat.jsonl", a + "\n" + b + "\n");
  const test::RunResult r =
      test::run_r1("data tokenize --chat --model " + model + " --input " + dir +
                   "/chat.jsonl --out " + dir + "/sft.bin --out-mask " + dir + "/sft.mask");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("2 chat records"), std::string::npos) << r.out;
  const Tokenizer tok = Tokenizer::load(model);
  const ChatTemplate tmpl = ChatTemplate::load(model);
  const SftDataset ds =
      SftDataset::from_files(dir + "/sft.bin", dir + "/sft.mask", tok.vocab_size());
  ASSERT_EQ(ds.size(), 2u);
  const ChatExample ea = render_chat_example(tok, tmpl, parse_ordered_json("a", a));
  const ChatExample eb = render_chat_example(tok, tmpl, parse_ordered_json("b", b));
  EXPECT_EQ(ds.example(0).tokens, ea.tokens);
  EXPECT_EQ(ds.example(0).mask, ea.mask);
  EXPECT_EQ(ds.example(1).tokens, eb.tokens);
  EXPECT_EQ(ds.example(1).mask, eb.mask);
  // Reading the JSONL directly gives the same examples.
  const SftDataset direct = SftDataset::from_jsonl(dir + "/chat.jsonl", model, 2);
  EXPECT_EQ(direct.example(1).tokens, eb.tokens);
}

TEST(CmdData, PromptCompletionJsonlWritesTokensAndMask) {
  const std::string model = r1_tokenizer_dir(), dir = test::make_temp_dir("data_pc");
  const std::string a = R"({"prompt": "What is 2+2?", "completion": " <think>2+2</think> 4"})";
  const std::string b = R"({"prompt": "Hi.", "completion": "Hello.", "id": 7})";
  testing::write_bytes(dir + "/pc.jsonl", a + "\n\n" + b + "\n");
  const test::RunResult r =
      test::run_r1("data tokenize --prompt-completion --model " + model + " --input " + dir +
                   "/pc.jsonl --out " + dir + "/sft.bin --out-mask " + dir + "/sft.mask");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("2 prompt-completion records"), std::string::npos) << r.out;
  const Tokenizer tok = Tokenizer::load(model);
  const SftDataset ds =
      SftDataset::from_files(dir + "/sft.bin", dir + "/sft.mask", tok.vocab_size());
  ASSERT_EQ(ds.size(), 2u);
  const int32_t eos = tok.token_to_id("<｜end▁of▁sentence｜>");
  for (size_t i = 0; i < 2; ++i) {
    const ChatExample want =
        render_prompt_completion(tok, parse_ordered_json("record", i == 0 ? a : b), eos);
    EXPECT_EQ(ds.example(i).tokens, want.tokens) << i;
    EXPECT_EQ(ds.example(i).mask, want.mask) << i;
  }
  EXPECT_EQ(ds.example(1).tokens,
            SftDataset::from_jsonl(dir + "/pc.jsonl", model, 2).example(1).tokens);
}

TEST(CmdData, BadInputFailsWithOneLineNamingFileAndLine) {
  const std::string model = r1_tokenizer_dir();
  const std::string dir = test::make_temp_dir("data_bad");
  auto expect_fail = [&](const std::string& body, const std::string& args, int code,
                         const std::string& needle) {
    testing::write_bytes(dir + "/in.jsonl", body);
    const test::RunResult r = test::run_r1("data tokenize --quiet --model " + model + " --input " +
                                           dir + "/in.jsonl --out " + dir + "/out.bin " + args);
    EXPECT_EQ(r.exit_code, code) << r.out;
    EXPECT_NE(r.out.find(needle), std::string::npos) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    EXPECT_FALSE(fs::exists(dir + "/out.bin"));  // nothing half-written under the final name
  };
  expect_fail("{\"text\": \"ok\"}\n{\"text\": \n", "", 1, "in.jsonl:2: ");
  expect_fail("{\"text\": \"ok\"}\n\n{\"content\": \"x\"}\n", "", 1,
              "in.jsonl:3: expected an object with a string field 'text'");
  expect_fail("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}\n",
              "--chat --out-mask " + dir + "/m", 1, "in.jsonl:1: no assistant message");
  expect_fail("{}", "--chat", 2, "--out-mask");
  expect_fail("{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"messages\": []}\n",
              "--prompt-completion --out-mask " + dir + "/m", 1,
              "in.jsonl:2: a chat record, but this file holds prompt-completion records "
              "(--prompt-completion)");
  expect_fail("{\"prompt\": \"a\", \"completion\": \"b\"}\n", "--chat --out-mask " + dir + "/m", 1,
              "in.jsonl:1: a prompt-completion record, but this file holds chat records (--chat)");
  expect_fail("{\"prompt\": \"a\"}\n", "--prompt-completion --out-mask " + dir + "/m", 1,
              "in.jsonl:1: expected \"messages\" (a chat record) or \"prompt\" and");
  expect_fail("{}", "--chat --prompt-completion --out-mask " + dir + "/m", 2,
              "give one of --chat and --prompt-completion");
  expect_fail("", "", 1, "no documents");
}

}  // namespace
}  // namespace r1
