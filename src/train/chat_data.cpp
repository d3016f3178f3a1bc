// Chat rendering for SFT: the prompt/completion split and the prefix diffs that find the
// assistant turns of the history.
#include "train/chat_data.h"

#include <algorithm>

#include "core/error.h"

namespace r1 {

namespace {

OrderedJson first_messages(const OrderedJson& messages, size_t n) {
  OrderedJson a = OrderedJson::array();
  for (size_t k = 0; k < n; ++k) a.push_back(messages[k]);
  return a;
}

bool is_assistant(const OrderedJson& m) {
  return m.is_object() && m.contains("role") && m["role"] == "assistant";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The content of the final assistant turn as the model generates it after `prompt`. It is the
// text the model learns to write, so its added tokens are matched as the model emits them
// (`</think>` as one token, as real R1 models generate it); the prompt before it, whose message
// text is data, never gets special tokens from that text.
std::string completion_text(const ChatTemplate& tmpl, const std::string& prompt,
                            std::string content) {
  const std::string think = "<think>", forced = "<think>\n";
  const bool prompt_opens_think =
      prompt.size() >= forced.size() &&
      prompt.compare(prompt.size() - forced.size(), forced.size(), forced) == 0;
  if (prompt_opens_think && starts_with(content, think)) {
    content.erase(0, think.size());
    if (!content.empty() && content[0] == '\n') content.erase(0, 1);
  }
  return content + tmpl.eos_token();
}

// Marks the tokens of the history's assistant message j in mask; `tokens` is the prompt. The
// turn starts where the prompt leaves the rendering of the messages before it (with the
// generation prompt) and ends where their rendering through it ends. A template that renders the
// turn differently once later messages follow (Qwen3 drops the reasoning of earlier turns) has
// no such end: there the turn ends with the first EOS token (<|im_end|> for Qwen) after it starts.
void mark_history_turn(const Tokenizer& tok, const ChatTemplate& tmpl, const OrderedJson& messages,
                       const OrderedJson& tools, size_t j, const std::vector<int32_t>& tokens,
                       std::vector<uint8_t>& mask) {
  const std::vector<int32_t> before =
      tok.encode(tmpl.render_prompt(first_messages(messages, j), tools, true), false);
  const std::vector<int32_t> through =
      tok.encode(tmpl.render_prompt(first_messages(messages, j + 1), tools, false), false);
  const size_t start =
      size_t(std::mismatch(before.begin(), before.end(), tokens.begin(), tokens.end()).second -
             tokens.begin());
  size_t end = through.size();
  if (through.size() > tokens.size() ||
      !std::equal(through.begin(), through.end(), tokens.begin())) {
    const auto eos = std::find(tokens.begin() + static_cast<std::ptrdiff_t>(start), tokens.end(),
                               tok.token_to_id(tmpl.eos_token()));
    if (eos == tokens.end())
      throw FormatError(std::string("messages[") + std::to_string(j) +
                        "]: cannot locate this assistant turn's tokens (the template renders it "
                        "differently once later messages follow, and no EOS token ends it)");
    end = size_t(eos - tokens.begin()) + 1;
  }
  if (start < end)
    std::fill(mask.begin() + static_cast<std::ptrdiff_t>(start),
              mask.begin() + static_cast<std::ptrdiff_t>(end), uint8_t(1));
}

}  // namespace

ChatExample render_chat_example(const Tokenizer& tok, const ChatTemplate& tmpl,
                                const OrderedJson& conversation) {
  if (!conversation.is_object() || !conversation.contains("messages"))
    throw FormatError("expected an object with \"messages\"");
  const OrderedJson& messages = conversation["messages"];
  if (!messages.is_array()) throw FormatError("\"messages\" must be a list");
  const OrderedJson tools = conversation.contains("tools") ? conversation["tools"] : OrderedJson();
  size_t last = messages.size();
  for (size_t i = 0; i < messages.size(); ++i)
    if (is_assistant(messages[i])) last = i;
  if (last == messages.size())
    throw FormatError("no assistant message in \"messages\": nothing to train on");
  const OrderedJson& final_turn = messages[last];
  if (!final_turn.contains("content") || !final_turn["content"].is_string())
    throw FormatError(std::string("messages[") + std::to_string(last) +
                      "].content must be a string");
  if (tmpl.eos_token().empty())
    throw FormatError("the tokenizer config has no eos_token to close the assistant turn");

  const PromptText prompt = tmpl.render_prompt(first_messages(messages, last), tools, true);
  ChatExample ex;
  ex.tokens = tok.encode(prompt, false);
  ex.mask.assign(ex.tokens.size(), 0);
  for (size_t j = 0; j < last; ++j)
    if (is_assistant(messages[j]))
      mark_history_turn(tok, tmpl, messages, tools, j, ex.tokens, ex.mask);
  const std::vector<int32_t> completion =
      tok.encode(completion_text(tmpl, prompt.text, final_turn["content"].get<std::string>()),
                 false);
  ex.tokens.insert(ex.tokens.end(), completion.begin(), completion.end());
  ex.mask.resize(ex.tokens.size(), 1);
  return ex;
}

}  // namespace r1
