// R1-Zero and R1 prompts.
#include "rl/prompt_template.h"

#include <string_view>

#include "chat/chat_template.h"
#include "core/error.h"
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

// The question is data: a special token spelled in it is never matched as one. preamble: the
// tools' line, before the instruction.
PromptText r1_zero_prompt_text(const std::string& question, const std::string& preamble = "") {
  const std::string_view text = kR1ZeroTemplate, slot = "{prompt}";
  const size_t at = text.find(slot);
  PromptText prompt;
  prompt.append_template(preamble);
  prompt.append_template(text.substr(0, at));
  prompt.append_data(question);
  prompt.append_template(text.substr(at + slot.size()));
  return prompt;
}

std::string r1_zero_prompt(const std::string& question) {
  return r1_zero_prompt_text(question).text;
}

std::string r1_user_message(const std::string& question) {
  return question + "\n" + kR1BoxedInstruction;
}

std::string r1_chat_prompt(const ChatTemplate& chat, const std::string& question) {
  return prompt_text(TemplateKind::R1, question, &chat).text;
}

PromptText prompt_text(TemplateKind kind, const std::string& question, const ChatTemplate* chat,
                       const RolloutTools* tools) {
  const bool with_tools = tools && tools->enabled();
  if (kind == TemplateKind::R1Zero)
    return r1_zero_prompt_text(question, with_tools ? tools_description(*tools) + "\n" : "");
  if (!chat) throw UsageError("the r1 template needs a model with a chat template");
  OrderedJson messages = OrderedJson::array();
  messages.push_back({{"role", "user"}, {"content", r1_user_message(question)}});
  if (!with_tools) return chat->render_prompt(messages, nullptr, true);
  PromptText prompt = chat->render_prompt(messages, tools_json(*tools), true);
  if (prompt.text != chat->render_prompt(messages, nullptr, true).text) return prompt;
  messages.insert(messages.begin(), {{"role", "system"}, {"content", tools_description(*tools)}});
  return chat->render_prompt(messages, tools_json(*tools), true);
}

std::string render_prompt(TemplateKind kind, const std::string& question, const ChatTemplate* chat,
                          const RolloutTools* tools) {
  return prompt_text(kind, question, chat, tools).text;
}

EncodedPrompt encode_prompt(TemplateKind kind, const std::string& question,
                            const Tokenizer& tokenizer, const ChatTemplate* chat,
                            const RolloutTools* tools) {
  const PromptText prompt = prompt_text(kind, question, chat, tools);
  return {tokenizer.encode(prompt, chat == nullptr), prompt_opens_think(prompt.text)};
}

}  // namespace r1::rl
