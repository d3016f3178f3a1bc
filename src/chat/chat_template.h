// Chat templates: the Jinja `chat_template` of a model's tokenizer_config.json, rendered
// exactly as transformers' apply_chat_template renders it, and the model family it belongs to.
#pragma once

#include <optional>
#include <string>

#include "chat/jinja_template.h"
#include "chat/jinja_value.h"
#include "tokenizer/prompt_text.h"

namespace r1 {

// Which chat format a template implements. Detected from the template text, because that is
// what decides the prompt format; the distilled models share one template and are told apart
// by config.json's model_type:
//   DeepSeek role tokens (<｜User｜>) and tool calls written as NAME<｜tool▁sep｜>ARGUMENTS,
//     without the ```json fence -> DeepSeekV3_1 (hybrid thinking)
//   DeepSeek role tokens and strips reasoning ('</think>'):
//     with is_last_user -> DeepSeekR1_0528; with is_first_sp -> DeepSeekR1;
//     otherwise R1-Distill: model_type qwen2 -> R1DistillQwen, llama -> R1DistillLlama,
//     unknown (no config.json) -> R1Distill
//   DeepSeek role tokens, keeps reasoning -> DeepSeekV3
//   <|im_start|> -> Qwen; <|start_header_id|> -> Llama3; anything else -> Other.
enum class ChatFamily {
  DeepSeekR1,
  DeepSeekR1_0528,
  R1DistillQwen,
  R1DistillLlama,
  R1Distill,
  DeepSeekV3,
  DeepSeekV3_1,
  Qwen,
  Llama3,
  Other,
};
const char* chat_family_name(ChatFamily family);

// Parses JSON keeping object keys in document order (tool schemas are printed in that order),
// nesting limited as parse_json does; FormatError naming source and the byte offset.
OrderedJson parse_ordered_json(const std::string& source, const std::string& text);

class ChatTemplate {
 public:
  // model_dir: a directory with tokenizer_config.json (the template may instead be in
  // chat_template.jinja; config.json, when present, gives model_type), the path of a
  // tokenizer_config.json, or a .gguf file (tokenizer.chat_template and the BOS/EOS tokens).
  // IoError / FormatError naming the file.
  static ChatTemplate load(const std::string& model_dir);
  // From a parsed tokenizer_config; source names it in errors.
  // limits: the budget of every render, the probe render here included.
  static ChatTemplate from_config(const OrderedJson& tokenizer_config, const std::string& source,
                                  const std::string& model_type = "",
                                  const jinja::RenderLimits& limits = {});

  bool has_template() const { return default_.has_value() || tool_use_.has_value(); }

  // messages: OpenAI chat messages; tools: null or a list of tool definitions; kwargs: extra
  // template variables (e.g. {"enable_thinking": false}). Variables as transformers passes
  // them: the special tokens (bos_token, eos_token, ...), messages, tools, documents=None,
  // add_generation_prompt. FormatError without a template or for malformed arguments;
  // jinja::RenderError (a FormatError) when the template rejects the conversation.
  std::string render(const OrderedJson& messages, const OrderedJson& tools = nullptr,
                     bool add_generation_prompt = true,
                     const OrderedJson& kwargs = OrderedJson::object()) const;
  // The same prompt (text == render(...)) with the byte ranges that came from data: every
  // string of messages, tools and kwargs (and their object keys) is data; the template's own
  // text, the special-token variables and add_generation_prompt are not. Encode it with
  // Tokenizer::encode(const PromptText&, ...) so that no special token is matched in data.
  PromptText render_prompt(const OrderedJson& messages, const OrderedJson& tools = nullptr,
                           bool add_generation_prompt = true,
                           const OrderedJson& kwargs = OrderedJson::object()) const;

  // The step and byte budget of each render (jinja::RenderLimits' defaults unless set).
  void set_render_limits(const jinja::RenderLimits& limits) { limits_ = limits; }

  ChatFamily family() const { return family_; }
  // Whether the generation prompt ends with "<think>\n" (R1, R1-Distill): the model's output
  // then starts inside its reasoning (ReasoningParser's think_forced mode).
  bool forces_think() const { return forces_think_; }
  // Whether a request's `tools` change the prompt (a probe rendered with and without one tool);
  // DeepSeek's own templates ignore them, and the server then describes them in a system
  // message instead (chat/tool_prompt.h).
  bool renders_tools() const { return renders_tools_; }
  const std::string& bos_token() const { return bos_token_; }
  const std::string& eos_token() const { return eos_token_; }

 private:
  std::string source_;
  std::optional<jinja::Template> default_, tool_use_;
  jinja::Dict special_tokens_;
  std::string bos_token_, eos_token_;
  ChatFamily family_ = ChatFamily::Other;
  bool forces_think_ = false;
  bool renders_tools_ = false;
  jinja::RenderLimits limits_;
};

}  // namespace r1
