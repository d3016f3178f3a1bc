// Tokenizer, special ids and chat template against the model's vocab_size and each other.
#include "checkpoint/vocab_checks.h"

#include <utility>

#include "core/error.h"

namespace r1 {

void check_tokenizer_fits_model(const std::string& where, const Tokenizer& tokenizer,
                                int64_t model_vocab_size) {
  if (tokenizer.vocab_size() <= model_vocab_size) return;
  throw UsageError(where + ": the tokenizer has " + std::to_string(tokenizer.vocab_size()) +
                   " token ids (0.." + std::to_string(tokenizer.vocab_size() - 1) +
                   ") but the model's vocab_size is " + std::to_string(model_vocab_size) +
                   "; expected a tokenizer whose ids all fit the model (the tokenizer of "
                   "another model?)");
}

void check_special_ids_fit_model(const std::vector<DeclaredId>& ids, int64_t model_vocab_size) {
  for (const DeclaredId& d : ids)
    if (d.id < 0 || d.id >= model_vocab_size)
      throw FormatError(d.file + ": " + d.key + " " + std::to_string(d.id) +
                        " is out of range for the model's vocab_size " +
                        std::to_string(model_vocab_size) + " (ids 0.." +
                        std::to_string(model_vocab_size - 1) + ")");
}

void check_template_tokens_in_vocab(const ChatTemplate& chat, const std::string& template_file,
                                    const Tokenizer& tokenizer, const std::string& tokenizer_file) {
  for (const auto& [name, token] :
       {std::pair{"bos_token", &chat.bos_token()}, std::pair{"eos_token", &chat.eos_token()}})
    if (!token->empty() && tokenizer.token_to_id(*token) < 0)
      throw FormatError(template_file + ": the chat template's " + name + " '" + *token +
                        "' is not in the tokenizer's vocabulary (" + tokenizer_file + ", " +
                        std::to_string(tokenizer.vocab_size()) + " token ids)");
}

}  // namespace r1
