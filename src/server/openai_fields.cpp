// The table of OpenAI request fields and the check that refuses the unsupported ones.
#include "server/openai_fields.h"

#include <array>
#include <string>

#include "server/api_error.h"

namespace r1::server {

namespace {

using enum ApiEndpoint;
using enum FieldTreatment;

// Keep in step with the README's "Request fields" table.
constexpr std::array kFields = std::to_array<OpenAiField>({
    {"messages", kChat, kImplemented, "system, user, assistant (with tool_calls) and tool turns"},
    {"prompt", kCompletion, kImplemented, "a string or an array of one string"},
    {"model", kBoth, kImplemented, "must name the served model (or be absent)"},
    {"stream", kBoth, kImplemented, "server-sent events"},
    {"stream_options", kBoth, kImplemented, "include_usage"},
    {"temperature", kBoth, kImplemented, "[0, 2]"},
    {"top_p", kBoth, kImplemented, "(0, 1]"},
    {"max_tokens", kBoth, kImplemented, ">= 1, capped by the context"},
    {"max_completion_tokens", kBoth, kImplemented, "wins over max_tokens"},
    {"stop", kBoth, kImplemented, "up to 4 strings"},
    {"seed", kBoth, kImplemented, "reproducible sampling"},
    {"n", kBoth, kImplemented, "[1, 16] choices"},
    {"presence_penalty", kBoth, kImplemented, "[-2, 2]"},
    {"frequency_penalty", kBoth, kImplemented, "[-2, 2]"},
    {"reasoning_format", kChat, kImplemented, "extension: \"deepseek\" or \"none\""},
    {"response_format", kBoth, kImplemented, "text, json_object, json_schema (constrained sampling)"},
    {"top_k", kBoth, kImplemented, "extension (llama-server): >= 0, 0 off"},
    {"min_p", kBoth, kImplemented, "extension (llama-server): [0, 1], 0 off"},
    {"repeat_penalty", kBoth, kImplemented, "extension (llama-server): (0, 10], 1 off"},
    {"user", kBoth, kIgnored, "an end-user id for abuse monitoring"},
    {"metadata", kChat, kIgnored, "stored-completion tags"},
    {"store", kChat, kIgnored, "nothing is stored"},
    {"service_tier", kChat, kIgnored, "one tier"},
    {"prompt_cache_key", kChat, kIgnored, "a cache routing hint"},
    {"safety_identifier", kChat, kIgnored, "an end-user id for abuse monitoring"},
    {"tools", kChat, kImplemented, "function tools, rendered by the model's chat template"},
    {"tool_choice", kChat, kImplemented, "\"none\", \"auto\", \"required\", a named function"},
    {"parallel_tool_calls", kChat, kImplemented, "false: the first call only"},
    {"chat_template_kwargs", kChat, kImplemented,
     "extension (vLLM, llama-server): variables for the chat template, e.g. {\"thinking\": true}"},
    {"prediction", kChat, kIgnored, "predicted output only changes latency"},
    {"functions", kChat, kRefused, "deprecated by OpenAI; send `tools`", "[]"},
    {"function_call", kChat, kRefused, "deprecated by OpenAI; send `tool_choice`",
     "\"none\"|\"auto\""},
    {"logprobs", kChat, kRefused, "log probabilities are not implemented", "false"},
    {"logprobs", kCompletion, kRefused, "log probabilities are not implemented"},
    {"top_logprobs", kChat, kRefused, "log probabilities are not implemented"},
    {"logit_bias", kBoth, kRefused, "logit bias is not implemented", "{}"},
    {"audio", kChat, kRefused, "audio output is not implemented"},
    {"modalities", kChat, kRefused, "only text output is implemented", "[\"text\"]"},
    {"reasoning_effort", kChat, kRefused, "R1 has no reasoning effort setting"},
    {"verbosity", kChat, kRefused, "no verbosity setting is implemented"},
    {"web_search_options", kChat, kRefused, "web search is not implemented"},
    {"echo", kCompletion, kRefused, "echoing the prompt is not implemented", "false"},
    {"best_of", kCompletion, kRefused, "best-of sampling is not implemented", "1"},
    {"suffix", kCompletion, kRefused, "insertion (suffix) is not implemented", "\"\""},
    {"grammar", kBoth, kRefused, "extension not implemented"},
    {"json_schema", kBoth, kRefused, "extension not implemented"},
});

bool serves(ApiEndpoint set, ApiEndpoint endpoint) {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(endpoint)) != 0;
}

bool is_neutral(const OpenAiField& field, const Json& value) {
  std::string_view options = field.neutral;
  while (!options.empty()) {
    const size_t bar = options.find('|');
    const std::string_view option = options.substr(0, bar);
    if (Json::parse(option) == value) return true;
    if (bar == std::string_view::npos) break;
    options.remove_prefix(bar + 1);
  }
  return false;
}

}  // namespace

std::span<const OpenAiField> openai_fields() {
  return kFields;
}

void refuse_unsupported_fields(const Json& body, ApiEndpoint endpoint) {
  for (const OpenAiField& field : kFields) {
    if (field.treatment != kRefused || !serves(field.endpoints, endpoint)) continue;
    const auto it = body.find(std::string(field.name));
    if (it == body.end() || it->is_null() || is_neutral(field, *it)) continue;
    std::string message = "'";
    message.append(field.name).append("' is not supported by this server (");
    message.append(field.note).append(")");
    if (!field.neutral.empty()) {
      message.append("; accepted: null");
      std::string_view options = field.neutral;
      for (size_t bar = 0; bar != std::string_view::npos; options.remove_prefix(bar + 1)) {
        bar = options.find('|');
        message.append(" or ").append(options.substr(0, bar));
        if (bar == std::string_view::npos) break;
      }
    }
    throw invalid_request(message, std::string(field.name), "unsupported_parameter");
  }
}

}  // namespace r1::server
