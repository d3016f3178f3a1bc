// R1-Zero and R1 prompts.
#include "rl/prompt_template.h"

#include "core/error.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace r1::rl {

const char* const kR1ZeroTemplate =
    "A conversation between User and Assistant. The user asks a question, and the Assistant "
    "solves it. The assistant first thinks about the reasoning process in the mind and then "
    "provides the user with the answer. The reasoning process and answer are enclosed within "
    "<think> </think> and <answer> </answer> tags, respectively, i.e., <think> reasoning "
    "process here </think> <answer> answer here </answer>. User: {prompt}. Assistant:";

const char* const kR1BoxedInstruction =
    "Please reason step by step, and put your final answer within \\boxed{}.";

std::string r1_zero_prompt(const std::string& question) {
  std::string prompt = kR1ZeroTemplate;
  const std::string slot = "{prompt}";
  prompt.replace(prompt.find(slot), slot.size(), question);
  return prompt;
}

std::string r1_user_message(const std::string& question) {
  return question + "\n" + kR1BoxedInstruction;
}

std::string r1_chat_prompt(const ChatTemplate& chat, const std::string& question) {
  OrderedJson messages = OrderedJson::array();
  messages.push_back({{"role", "user"}, {"content", r1_user_message(question)}});
  return chat.render(messages, nullptr, true);
}

std::string render_prompt(TemplateKind kind, const std::string& question,
                          const ChatTemplate* chat) {
  if (kind == TemplateKind::R1Zero) return r1_zero_prompt(question);
  if (!chat) throw UsageError("the r1 template needs a model with a chat template");
  return r1_chat_prompt(*chat, question);
}

EncodedPrompt encode_prompt(TemplateKind kind, const std::string& question,
                            const Tokenizer& tokenizer, const ChatTemplate* chat) {
  const std::string text = render_prompt(kind, question, chat);
  return {tokenizer.encode(text, chat == nullptr), prompt_opens_think(text)};
}

}  // namespace r1::rl
