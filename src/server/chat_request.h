// The bodies of /v1/chat/completions and /v1/completions, parsed and validated into structs.
// Every wrong type, range or missing field is an ApiError 400 whose param names the field, and
// so is a field that this server does not implement but that would change the answer
// (openai_fields.h lists every field); unknown fields are ignored, as OpenAI-compatible servers
// do, and null means "not given".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "infer/byte_grammar.h"
#include "io/json_file.h"
#include "server/tool_request.h"

namespace r1::server {

constexpr int kMaxChoices = 16;  // n
constexpr size_t kMaxStopStrings = 4;

struct ChatMessage {
  std::string role;          // "system", "user", "assistant" or "tool"
  std::string content;       // text parts joined; empty for an assistant turn with only tool calls
  std::string name;          // optional participant or tool name
  std::string tool_call_id;  // tool messages: the call this answers
  Json tool_calls;           // assistant messages: the calls as sent (array), or null
};

// How the model's <think> part is returned: "deepseek" as a separate reasoning_content field
// (the DeepSeek API), "none" left inline in content.
enum class ReasoningFormat { kDeepSeek, kNone };

// Sampling and length fields shared by both endpoints; unset optionals take the server's
// defaults.
struct SamplingRequest {
  std::optional<double> temperature;  // [0, 2]
  std::optional<double> top_p;        // (0, 1]
  std::optional<int64_t> max_tokens;  // >= 1 (max_completion_tokens wins over max_tokens)
  std::vector<std::string> stop;      // up to kMaxStopStrings non-empty strings
  std::optional<int64_t> seed;
  int n = 1;                     // [1, kMaxChoices]
  double presence_penalty = 0;   // [-2, 2]
  double frequency_penalty = 0;  // [-2, 2]
  // llama-server's extensions:
  std::optional<int64_t> top_k;         // >= 0 (0: off)
  std::optional<double> min_p;          // [0, 1] (0: off)
  std::optional<double> repeat_penalty;  // (0, 10] (1: off); HF's repetition_penalty
  // response_format: the grammar the output must follow (null: free text)
  std::shared_ptr<const ByteGrammar> json_grammar;
};

struct ChatRequest {
  std::string model;  // empty when not given: the served model
  std::vector<ChatMessage> messages;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  SamplingRequest sampling;
  ReasoningFormat reasoning_format = ReasoningFormat::kDeepSeek;
  ToolRequest tools;
  OrderedJson template_kwargs = OrderedJson::object();  // chat_template_kwargs
};

struct CompletionRequest {
  std::string model;
  std::string prompt;
  bool stream = false;
  bool include_usage = false;
  SamplingRequest sampling;
};

// Both throw ApiError (400) for malformed JSON, a body that is not an object, or any bad field.
ChatRequest parse_chat_request(std::string_view body);
CompletionRequest parse_completion_request(std::string_view body);

}  // namespace r1::server
