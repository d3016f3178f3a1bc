// SFT JSONL files: one record per line, every record in one format, chat conversations
// ({"messages": [...]}, chat_data.h) or prompt-completion pairs ({"prompt", "completion"},
// prompt_completion.h), told apart by the keys of the first record.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "train/chat_data.h"

namespace r1 {

enum class SftFormat { Chat, PromptCompletion };
const char* sft_format_name(SftFormat format);  // "chat" / "prompt-completion"

// The format a record's keys name: "messages" -> Chat; "prompt" and "completion" ->
// PromptCompletion. FormatError when the record is not an object, or has neither or both.
SftFormat sft_record_format(const OrderedJson& record);

// The format every record of a file must have, and what decided it ("the first record, line
// 3" or a flag such as "--chat") for the message when a record has the other one.
struct SftFormatRule {
  SftFormat format = SftFormat::Chat;
  std::string source;
};

// The format of the first non-blank line; nullopt when every line is blank. FormatError
// "<path>:<line>: ..." when that line is not a record of either format.
std::optional<SftFormatRule> detect_sft_format(const std::vector<std::string>& lines,
                                               const std::string& path, int64_t first_line);

// What rendering a format needs: the tokenizer; the chat template for Chat records; the EOS id
// that ends PromptCompletion records.
struct SftRenderer {
  const Tokenizer* tok = nullptr;
  const ChatTemplate* chat = nullptr;
  int32_t eos_id = -1;
};

// A model directory's tokenizer with what `format` needs from it, owned.
struct SftModelText {
  std::shared_ptr<const Tokenizer> tok;
  std::optional<ChatTemplate> chat;
  int32_t eos_id = -1;
  SftRenderer renderer() const { return {tok.get(), chat ? &*chat : nullptr, eos_id}; }
};
// The model's text side (ModelDir::open_text: a directory with or without weights, or a GGUF).
// UsageError naming the model when it has no tokenizer, or Chat records meet a model without a
// chat template.
SftModelText load_sft_model_text(const std::string& model_dir, SftFormat format);

// Parses and renders lines of an SFT JSONL file on `threads` threads (<= 0: all cores), in
// order; blank lines give no example. Errors are FormatErrors "<path>:<line>: ..." where line is
// first_line + the index in `lines` (the lowest failing line whatever the threads), among them
// a record whose format is not rule.format.
std::vector<ChatExample> render_sft_lines(const std::vector<std::string>& lines,
                                          const std::string& path, int64_t first_line,
                                          const SftFormatRule& rule, const SftRenderer& renderer,
                                          int threads);

}  // namespace r1
