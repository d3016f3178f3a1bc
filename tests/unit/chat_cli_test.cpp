// `r1 chat` and `r1 generate --chat` on a tiny model with a tokenizer trained here and the real
// DeepSeek-R1 chat template: slash commands, hidden reasoning, KV-cache reuse across turns,
// context-size limits, a model without a template.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "io/json_file.h"
#include "test_util.h"

namespace r1 {
namespace {

// A tiny V3 model with a 600-token tokenizer carrying R1's chat template.
std::string chat_model() {
  const std::string dir = test::make_temp_dir("chat");
  const Json config = read_json_file(std::string(R1_SOURCE_DIR) +
                                     "/tests/chat_template/templates/deepseek_r1/"
                                     "tokenizer_config.json");
  write_text_file_atomic(dir + "/r1.jinja", config["chat_template"].get<std::string>());
  auto r = test::run_r1("tokenizer train --quiet --vocab-size 600 --corpus " +
                        std::string(R1_TRAINED_TOKENIZER_DIR) + "/corpus.txt --chat-template " +
                        dir + "/r1.jinja --out " + dir + "/tok");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = test::run_r1("init --preset tiny --out " + dir + "/model --tokenizer " + dir + "/tok");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return dir + "/model";
}

TEST(ChatCli, SlashCommandsAndHiddenReasoning) {
  const std::string model = chat_model();
  auto r = test::run_command(
      "printf 'hello\\n/think\\nagain\\n/reset\\n/nope\\n/exit\\nignored\\n' | " +
      std::string(R1_BINARY) + " chat --model " + model + " -n 6 --temperature 0 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("DeepSeek-R1 template"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reasoning hidden"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[thinking]"), std::string::npos) << r.out;  // forced <think>: reasoning
  EXPECT_NE(r.out.find("conversation cleared"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("commands:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("[6 tokens", r.out.find("conversation cleared")), std::string::npos)
      << "lines after /exit must not be answered: " << r.out;

  r = test::run_r1("generate --model " + model + " --chat --prompt hi -n 4 --temperature 0");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // The same model as a GGUF file carries its chat template and gives the same greedy reply.
  ASSERT_EQ(
      test::run_r1("convert --model " + model + " --out " + model + ".gguf --type f32").exit_code,
      0);
  auto g =
      test::run_r1("generate --model " + model + ".gguf --chat --prompt hi -n 4 --temperature 0");
  ASSERT_EQ(g.exit_code, 0) << g.out;
  EXPECT_EQ(g.out.substr(0, g.out.find("prompt:")), r.out.substr(0, r.out.find("prompt:")));
}

// "prompt N tokens: R reused from the KV cache, F prefilled" of each turn, in order.
std::vector<std::array<long long, 3>> turn_counts(const std::string& out) {
  std::vector<std::array<long long, 3>> turns;
  for (size_t at = out.find("prompt "); at != std::string::npos; at = out.find("prompt ", at + 1)) {
    std::array<long long, 3> t{};
    if (std::sscanf(out.c_str() + at,
                    "prompt %lld tokens: %lld reused from the KV cache, %lld prefilled", &t[0],
                    &t[1], &t[2]) == 3)
      turns.push_back(t);
  }
  return turns;
}

TEST(ChatCli, SecondTurnReusesTheKvCache) {
  const std::string model = chat_model();
  auto r = test::run_command("printf 'hello\\nagain\\n/stats\\n' | " + std::string(R1_BINARY) +
                             " chat --model " + model + " -n 6 --temperature 0 --verbose 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto turns = turn_counts(r.out);
  ASSERT_EQ(turns.size(), 3u) << r.out;  // two --verbose lines, then /stats repeats the last
  EXPECT_EQ(turns[0][1], 0) << r.out;
  EXPECT_EQ(turns[0][2], turns[0][0]);
  // R1's template drops the reasoning: the cache is reused up to the first assistant message.
  EXPECT_GT(turns[1][1], 0) << r.out;
  EXPECT_LT(turns[1][1], turns[0][0]) << r.out;
  EXPECT_EQ(turns[1][1] + turns[1][2], turns[1][0]);
  EXPECT_EQ(turns[2], turns[1]);
  EXPECT_NE(r.out.find("kv cache: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokens (--ctx-size)"), std::string::npos) << r.out;
}

TEST(ChatCli, ContextSizeLimitsAreMessagesNotAborts) {
  const std::string model = chat_model();
  // A prompt longer than the context is refused; the chat goes on.
  auto r =
      test::run_command("printf 'a rather long message for a tiny context\\n/stats\\nhi\\n' | " +
                        std::string(R1_BINARY) + " chat --model " + model +
                        " --ctx-size 8 -n 4 --temperature 0 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("context full: the conversation is"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("more than the context size of 8 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kv cache: 0 of 8 tokens"), std::string::npos) << r.out;
  // A reply that runs into the end of the context is cut with a note.
  r = test::run_command("printf 'hi\\n' | " + std::string(R1_BINARY) + " chat --model " + model +
                        " --ctx-size 24 -n 100 --temperature 0 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("the reply was cut: the context of 24 tokens is full"), std::string::npos)
      << r.out;
  r = test::run_command("echo hi | " + std::string(R1_BINARY) + " chat --model " + model +
                        " --ctx-size 5000 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--ctx-size 5000 exceeds the model's max_position_embeddings 1024"),
            std::string::npos)
      << r.out;
}

TEST(ChatCli, ModelWithoutTemplateIsAClearError) {
  const std::string dir = test::make_temp_dir("chat");
  auto r =
      test::run_r1("tokenizer train --quiet --vocab-size 600 --corpus " +
                   std::string(R1_TRAINED_TOKENIZER_DIR) + "/corpus.txt --out " + dir + "/tok");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  ASSERT_EQ(
      test::run_r1("init --preset tiny --out " + dir + "/m --tokenizer " + dir + "/tok").exit_code,
      0);
  r = test::run_command("echo hi | " + std::string(R1_BINARY) + " chat --model " + dir + "/m 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("chat_template"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace r1
