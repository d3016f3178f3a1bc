// The demo models' chat template asks exactly what GRPO trained on: one user message renders the
// R1-Zero prompt (with the BOS the R1-Zero rollouts add) and encodes to the same ids, so
// `r1 chat` and `r1 serve` on runs/demo/rl see the trained prompt.
#include <gtest/gtest.h>

#include <string>

#include "chat/chat_template.h"
#include "rl/prompt_template.h"
#include "tokenizer/tokenizer.h"

namespace r1 {
namespace {

const std::string kQuestion = "Let a = 8, b = 2, c = 5, d = 4. What is a - b + c - d?";

TEST(DemoChatTemplate, OneUserMessageIsTheR1ZeroPromptGrpoTrainedOn) {
  for (const char* model : {"teacher", "student", "countdown"}) {
    SCOPED_TRACE(model);
    const std::string dir = std::string(R1_SOURCE_DIR) + "/demo/base/" + model;
    const Tokenizer tok = Tokenizer::load(dir);
    const ChatTemplate chat = ChatTemplate::load(dir);
    ASSERT_TRUE(chat.has_template());
    EXPECT_FALSE(chat.forces_think());
    const OrderedJson messages = OrderedJson::array({{{"role", "user"}, {"content", kQuestion}}});
    const std::string rendered = chat.render(messages);
    EXPECT_EQ(rendered, chat.bos_token() + rl::r1_zero_prompt(kQuestion));
    const rl::EncodedPrompt trained =
        rl::encode_prompt(rl::TemplateKind::R1Zero, kQuestion, tok, nullptr);
    EXPECT_EQ(tok.encode(rendered, false), trained.ids);
  }
}

TEST(DemoChatTemplate, LaterTurnsAndSystemMessagesFollowTheSameFormat) {
  const ChatTemplate chat = ChatTemplate::load(std::string(R1_SOURCE_DIR) + "/demo/base/teacher");
  const OrderedJson messages = OrderedJson::array({{{"role", "system"}, {"content", "Be brief."}},
                                                   {{"role", "user"}, {"content", "q1"}},
                                                   {{"role", "assistant"}, {"content", "a1"}},
                                                   {{"role", "user"}, {"content", "q2"}}});
  const std::string rendered = chat.render(messages);
  const std::string zero = rl::r1_zero_prompt("q1");
  EXPECT_EQ(rendered, chat.bos_token() + "Be brief.\n" + zero + " a1 User: q2. Assistant:");
  const OrderedJson tool = OrderedJson::array({{{"role", "tool"}, {"content", "x"}}});
  EXPECT_THROW(chat.render(tool), FormatError);
}

}  // namespace
}  // namespace r1
