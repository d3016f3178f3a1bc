// The prompts RL feeds the policy: R1-Zero's plain-text template (DeepSeek-R1 paper, Table 1)
// for base models, and the R1 path through the model's own chat template.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rl/answer_format.h"
#include "rl/rollout_tools.h"
#include "tokenizer/prompt_text.h"

namespace r1 {
class ChatTemplate;
class Tokenizer;
}

namespace r1::rl {

// The R1-Zero template with "{prompt}" in place of the question, verbatim from the paper.
extern const char* const kR1ZeroTemplate;
// What DeepSeek recommends appending to a math question for R1 ("...within \boxed{}.").
extern const char* const kR1BoxedInstruction;

// kR1ZeroTemplate with the question filled in.
std::string r1_zero_prompt(const std::string& question);

// The user message for R1: "{question}\n" + kR1BoxedInstruction.
std::string r1_user_message(const std::string& question);

// The R1 prompt: r1_user_message as the only user message, rendered by the model's chat
// template with the generation prompt (R1's template then ends with "<think>\n").
std::string r1_chat_prompt(const ChatTemplate& chat, const std::string& question);

// The prompt for `kind`, the question marked as data (no special token is matched in it);
// `chat` is required for TemplateKind::R1 (UsageError without one). With tools enabled the
// prompt says what the model may call: R1-Zero puts tools_description() on a line before the
// instruction (as the demo models' chat template places a system message); R1 passes
// tools_json() to the chat template and, when the template renders no tools (R1's own does
// not), adds tools_description() as a system message.
PromptText prompt_text(TemplateKind kind, const std::string& question, const ChatTemplate* chat,
                       const RolloutTools* tools = nullptr);
// prompt_text(...).text
std::string render_prompt(TemplateKind kind, const std::string& question, const ChatTemplate* chat,
                          const RolloutTools* tools = nullptr);

struct EncodedPrompt {
  std::vector<int32_t> ids;
  bool opens_think = false;  // the prompt ends with "<think>" (see prompt_opens_think)
};

// render_prompt, tokenized: a chat template renders the BOS itself, the plain R1-Zero text
// gets the tokenizer's.
EncodedPrompt encode_prompt(TemplateKind kind, const std::string& question,
                            const Tokenizer& tokenizer, const ChatTemplate* chat,
                            const RolloutTools* tools = nullptr);

}  // namespace r1::rl
