// SFT JSONL: the format of a record, one format per file, lines rendered on all cores.
#include "train/sft_jsonl.h"

#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "tokenizer/parallel.h"
#include "train/prompt_completion.h"

namespace r1 {

namespace {

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

ChatExample render_record(const OrderedJson& record, const SftFormatRule& rule,
                          const SftRenderer& r) {
  const SftFormat format = sft_record_format(record);
  if (format != rule.format)
    throw FormatError(std::string("a ") + sft_format_name(format) +
                      " record, but this file holds " + sft_format_name(rule.format) +
                      " records (" + rule.source + "); one file holds one format");
  if (format == SftFormat::PromptCompletion)
    return render_prompt_completion(*r.tok, record, r.eos_id);
  R1_ASSERT(r.chat != nullptr);
  return render_chat_example(*r.tok, *r.chat, record);
}

}  // namespace

const char* sft_format_name(SftFormat format) {
  return format == SftFormat::Chat ? "chat" : "prompt-completion";
}

SftFormat sft_record_format(const OrderedJson& record) {
  if (!record.is_object())
    throw FormatError(
        "expected an object: {\"messages\": [...]} or {\"prompt\": ..., \"completion\": ...}");
  const bool chat = record.contains("messages");
  const bool prompt_completion = record.contains("prompt") && record.contains("completion");
  if (chat && prompt_completion)
    throw FormatError("a record has \"messages\" or \"prompt\" and \"completion\", not both");
  if (chat) return SftFormat::Chat;
  if (prompt_completion) return SftFormat::PromptCompletion;
  throw FormatError(
      "expected \"messages\" (a chat record) or \"prompt\" and \"completion\" (a "
      "prompt-completion record)");
}

std::optional<SftFormatRule> detect_sft_format(const std::vector<std::string>& lines,
                                               const std::string& path, int64_t first_line) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_blank(lines[i])) continue;
    const int64_t line = first_line + int64_t(i);
    const std::string where = path + ":" + std::to_string(line);
    try {
      return SftFormatRule{sft_record_format(parse_ordered_json(where, lines[i])),
                           "the first record, line " + std::to_string(line)};
    } catch (const Error& e) {
      const std::string msg = e.what();
      throw FormatError(starts_with(msg, where) ? msg : where + ": " + msg);
    }
  }
  return std::nullopt;
}

SftModelText load_sft_model_text(const std::string& model_dir, SftFormat format) {
  const ModelDir text = ModelDir::open_text(model_dir);
  text.require_tokenizer("SFT records are tokenized with it");
  SftModelText m{text.shared_tokenizer(), std::nullopt, -1};
  if (format == SftFormat::PromptCompletion) {
    m.eos_id = text.eos_id();
    return m;
  }
  if (!text.chat_template() || !text.chat_template()->has_template())
    throw UsageError(model_dir +
                     ": no chat template to render chat records with (prompt-completion "
                     "records need none)");
  m.chat = *text.chat_template();
  if (m.chat->eos_token().empty())
    throw UsageError(model_dir + ": the tokenizer config has no eos_token to end assistant turns");
  return m;
}

std::vector<ChatExample> render_sft_lines(const std::vector<std::string>& lines,
                                          const std::string& path, int64_t first_line,
                                          const SftFormatRule& rule, const SftRenderer& renderer,
                                          int threads) {
  std::vector<ChatExample> out(lines.size());
  std::vector<char> present(lines.size(), 0);
  tok::for_each_parallel(lines.size(), threads, [&](size_t i) {
    if (is_blank(lines[i])) return;
    const std::string where = path + ":" + std::to_string(first_line + int64_t(i));
    try {
      out[i] = render_record(parse_ordered_json(where, lines[i]), rule, renderer);
      present[i] = 1;
    } catch (const Error& e) {
      const std::string msg = e.what();
      throw FormatError(starts_with(msg, where) ? msg : where + ": " + msg);
    }
  });
  std::vector<ChatExample> kept;
  kept.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i)
    if (present[i]) kept.push_back(std::move(out[i]));
  return kept;
}

}  // namespace r1
