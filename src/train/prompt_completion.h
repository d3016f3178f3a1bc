// SFT examples from prompt-completion records (TRL's format {"prompt": TEXT, "completion": TEXT}),
// the format of plain-text prompts such as R1-Zero's: no chat template, the loss on the completion.
#pragma once

#include <cstdint>
#include <string>

#include "chat/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "train/chat_data.h"

namespace r1 {

// tokens = encode(prompt, special tokens as the tokenizer adds them: BOS for DeepSeek/Llama)
//        ++ encode(completion, no special tokens) ++ [eos_id]
// mask   = 0 on the prompt, 1 on the completion and the EOS.
// The two parts are encoded separately, as at inference, where the prompt is encoded and the
// completion sampled after it. Other keys of the record are ignored. FormatError naming the key
// when "prompt" or "completion" is missing or not a string.
ChatExample render_prompt_completion(const Tokenizer& tok, const OrderedJson& record,
                                     int32_t eos_id);

}  // namespace r1
