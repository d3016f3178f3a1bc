// The checks that a model's tokenizer, special ids and chat template agree with its embedding:
// each mismatch is one clear error naming the file, the token or id and the sizes, raised when
// the model is opened instead of token by token later.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/special_ids.h"
#include "chat/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

// UsageError naming both sizes when the tokenizer has ids the model's embedding cannot hold
// (a tokenizer of another model family). `where` names the model or tokenizer in the message.
void check_tokenizer_fits_model(const std::string& where, const Tokenizer& tokenizer,
                                int64_t model_vocab_size);

// FormatError for a BOS/EOS id outside [0, vocab_size): "<file>: eos_token_id 300 is out of
// range for the model's vocab_size 256 (ids 0..255)".
void check_special_ids_fit_model(const std::vector<DeclaredId>& ids, int64_t model_vocab_size);

// FormatError when a special token the chat template writes (its bos_token and eos_token) is
// not in the tokenizer's vocabulary: the template's text would be encoded as plain bytes.
// template_file and tokenizer_file name the two in the message.
void check_template_tokens_in_vocab(const ChatTemplate& chat, const std::string& template_file,
                                    const Tokenizer& tokenizer, const std::string& tokenizer_file);

}  // namespace r1
