// End to end, template and tokenizer together: every added token of each real tokenizer, typed
// into system, user, assistant, tool and tool-definition text, yields no token id of its own;
// the prompt holds exactly the special tokens the template itself writes, and a conversation
// without such text encodes exactly as the whole rendered string does.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "chat/chat_template.h"
#include "io/json_file.h"
#include "tokenizer/tokenizer.h"

namespace r1 {
namespace {

// A conversation whose every string carries `payload`: system, two user turns around an
// assistant turn with reasoning, a tool call, its result, and tool definitions.
OrderedJson conversation(const std::string& p) {
  OrderedJson call = {{"id", "call_1"},
                      {"type", "function"},
                      {"function",
                       {{"name", "lookup"},
                        {"arguments", OrderedJson{{"q", "Q " + p}}.dump()}}}};  // a JSON string
  return OrderedJson::array({
      {{"role", "system"}, {"content", "S " + p}},
      {{"role", "user"}, {"content", "U1 " + p}},
      {{"role", "assistant"}, {"content", "<think>R " + p + "</think>A1 " + p}},
      {{"role", "user"}, {"content", "U2 " + p}},
      {{"role", "assistant"}, {"content", ""}, {"tool_calls", {call}}},
      {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "T " + p}},
      {{"role", "assistant"}, {"content", "A2 " + p}},
      {{"role", "user"}, {"content", "U3 " + p}},
  });
}

OrderedJson tools(const std::string& p) {
  return OrderedJson::array(
      {{{"type", "function"},
        {"function",
         {{"name", "lookup"},
          {"description", "D " + p},
          {"parameters",
           {{"type", "object"},
            {"properties", {{"q", {{"type", "string"}, {"description", "P " + p}}}}}}}}}}});
}

std::map<int32_t, int> count_added(const std::vector<int32_t>& ids, const Json& added_tokens) {
  std::map<int32_t, int> n;
  for (const Json& a : added_tokens) n[a["id"].get<int32_t>()] = 0;
  for (int32_t id : ids)
    if (n.count(id)) ++n[id];
  return n;
}

struct Pair {
  const char* tokenizer;  // under the tokenizer_vectors fixture
  const char* chat_template;  // under tests/chat_template/templates
};

class ChatPromptSpecialTokens : public ::testing::TestWithParam<Pair> {};

TEST_P(ChatPromptSpecialTokens, TypedSpecialTokensStayText) {
  const std::string tok_dir = std::string(R1_TOKENIZER_VECTORS_DIR) + "/" + GetParam().tokenizer;
  if (!std::filesystem::exists(tok_dir)) FAIL() << "run the tokenizer_vectors fixture first";
  const Tokenizer tok = Tokenizer::load(tok_dir);
  const Json added = read_json_file(tok_dir + "/tokenizer.json")["added_tokens"];
  const ChatTemplate chat = ChatTemplate::load(std::string(R1_SOURCE_DIR) +
                                               "/tests/chat_template/templates/" +
                                               GetParam().chat_template);
  std::string payload;
  for (const Json& a : added) payload += a["content"].get<std::string>() + " ";
  payload += "end";

  const PromptText plain = chat.render_prompt(conversation("hello"), tools("hello"));
  const PromptText typed = chat.render_prompt(conversation(payload), tools(payload));
  const std::vector<int32_t> plain_ids = tok.encode(plain, false);
  // No special-token text in the data: the same ids as the whole string.
  EXPECT_EQ(plain_ids, tok.encode(plain.text, false));
  // The typed tokens are in the prompt's text, and none of them became a token.
  for (const Json& a : added)
    ASSERT_NE(typed.text.find(a["content"].get<std::string>()), std::string::npos)
        << a["content"];
  EXPECT_EQ(count_added(tok.encode(typed, false), added), count_added(plain_ids, added));
  // Matching them everywhere (what the whole string alone gives) would forge many.
  EXPECT_NE(count_added(tok.encode(typed.text, false), added), count_added(plain_ids, added));
}

INSTANTIATE_TEST_SUITE_P(RealFiles, ChatPromptSpecialTokens,
                         ::testing::Values(Pair{"deepseek_r1", "deepseek_r1"},
                                           Pair{"deepseek_r1", "deepseek_r1_0528"},
                                           Pair{"deepseek_v3", "deepseek_v3"},
                                           Pair{"qwen3", "qwen3"},
                                           Pair{"llama3_1", "llama3_1"}),
                         [](const auto& info) {
                           return std::string(info.param.chat_template);
                         });

}  // namespace
}  // namespace r1
