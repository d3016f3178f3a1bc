// SFT examples from chat conversations: the model's chat template renders the conversation,
// the tokenizer encodes it, and a loss mask marks exactly the tokens the assistant produces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

struct ChatExample {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> mask;  // [tokens.size()]: 1 on assistant tokens, 0 elsewhere
};

// One conversation {"messages": [...], "tools": [...] (optional)} in OpenAI format.
//
// The sequence is what the model sees when it generates the LAST assistant message:
//   encode(render(messages before it, add_generation_prompt)) ++ encode(its content + EOS)
// with the prompt and the completion encoded separately, as at inference. The whole completion
// is in the loss, its <think>...</think> reasoning included (the R1 template would strip it);
// when the generation prompt already ends with "<think>\n" (R1 forces it) the content's own
// leading "<think>" (and one newline) is dropped. Earlier assistant turns appear as the template
// renders them in history (R1: without reasoning) and are in the loss too: each one's tokens are
// located by rendering the prefix before it (with the generation prompt) and through it, and
// diffing the token sequences (where the template renders a turn differently once later turns
// follow, as Qwen3 does, the turn ends at its first EOS token). Messages after the last
// assistant message are not used. FormatError (jinja::RenderError from the template) when the
// conversation is malformed, has no assistant message, or a turn cannot be located.
ChatExample render_chat_example(const Tokenizer& tok, const ChatTemplate& tmpl,
                                const OrderedJson& conversation);

}  // namespace r1
