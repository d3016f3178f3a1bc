// Loading the served model and checking requests against it: name, template, context limits.
#include "server/served_model.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include "chat/tool_prompt.h"
#include "core/error.h"
#include "server/api_error.h"

namespace r1::server {

namespace {

std::string model_id(const std::string& path) {
  std::filesystem::path p(path);
  if (!p.has_filename()) p = p.parent_path();  // "dir/"
  const std::string name = p.filename().string();
  return name.empty() || name == "." ? std::filesystem::absolute(p).filename().string() : name;
}

int64_t context_size(int64_t requested, const ModelConfig& c) {
  const int64_t max_pos = c.max_position_embeddings;
  if (requested == 0) return max_pos > 0 ? std::min(kDefaultContext, max_pos) : kDefaultContext;
  if (requested < 2)
    throw UsageError("--ctx must be >= 2 tokens, got " + std::to_string(requested));
  if (max_pos > 0 && requested > max_pos)
    throw UsageError("--ctx " + std::to_string(requested) +
                     " exceeds the model's max_position_embeddings " + std::to_string(max_pos));
  return requested;
}

// The 400 for a prompt with more tokens than the context leaves room for a reply, found by
// encode_at_most() before all of it was tokenized.
ApiError prompt_too_long(const ServedModel& served, const std::string& prompt_param) {
  return invalid_request("the prompt is more than " + std::to_string(served.context - 1) +
                             " tokens; the context (--ctx) holds " +
                             std::to_string(served.context) +
                             " tokens, which leaves no room for a reply",
                         prompt_param, "context_length_exceeded");
}

// The ids of text, or the 400 above as soon as they certainly leave no room in the context: a
// huge prompt costs tokenization work for about a context's worth of tokens, not for all of it.
std::vector<int32_t> encode_within_context(const ServedModel& served, const PromptText& prompt,
                                           bool add_special_tokens,
                                           const std::string& prompt_param) {
  std::optional<std::vector<int32_t>> ids =
      served.tokenizer->encode_at_most(prompt, add_special_tokens, size_t(served.context - 1));
  if (!ids) throw prompt_too_long(served, prompt_param);
  return std::move(*ids);
}

}  // namespace

ServedModel ServedModel::load(const std::string& path, int64_t context) {
  const ModelDir dir = ModelDir::open(path);
  return of(dir, dir.load_model(), context);
}

ServedModel ServedModel::of(const ModelDir& dir, std::unique_ptr<Model> model, int64_t context) {
  ServedModel s;
  s.id = model_id(dir.path());
  s.model = std::move(model);
  s.context = context_size(context, s.model->config());
  dir.require_tokenizer("the server needs one to read and write text");
  s.tokenizer = dir.shared_tokenizer();
  if (dir.chat_template()) s.chat = *dir.chat_template();
  s.stop_ids = dir.stop_ids();
  return s;
}

void check_model_name(const ServedModel& served, const std::string& requested) {
  if (!requested.empty() && requested != served.id)
    throw not_found("the model " + quote_untrusted(requested) +
                        " does not exist; this server serves '" + served.id + "'",
                    "model", "model_not_found");
}

std::vector<int32_t> chat_prompt(const ServedModel& served, const std::vector<ChatMessage>& messages,
                                 const OrderedJson& tools, const OrderedJson& kwargs) {
  if (!served.chat.has_template())
    throw invalid_request("the model '" + served.id + "' has no chat template; use /v1/completions",
                          "messages");
  OrderedJson list = OrderedJson::array();
  for (const ChatMessage& m : messages) {
    OrderedJson j = {{"role", m.role}, {"content", m.content}};
    if (!m.name.empty()) j["name"] = m.name;
    if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
    if (!m.tool_calls.is_null()) j["tool_calls"] = OrderedJson::parse(m.tool_calls.dump());
    list.push_back(std::move(j));
  }
  // A template that ignores tools gets them described in a system message (the polyfill).
  const bool polyfill = !tools.is_null() && !served.chat.renders_tools();
  const ToolCallFormat format = tool_call_format_for(served.chat.family());
  const std::string tool_text = polyfill ? tool_system_prompt(tools, format) : "";
  if (polyfill) list = with_system_text(list, tool_text);
  try {
    // The template writes the BOS and every special token itself; none is matched in the
    // messages' own text, so a user cannot forge turns, end-of-sentence or tool calls. The
    // polyfill's instructions are the server's: their call markers are the real tokens.
    PromptText prompt = served.chat.render_prompt(list, polyfill ? nullptr : tools, true, kwargs);
    if (const size_t at = prompt.text.find(tool_text); polyfill && at != std::string::npos) {
      const size_t end = at + tool_text.size();
      prompt.own(end - tool_call_instructions(format).size(), end);
    }
    return encode_within_context(served, prompt, false, "messages");
  } catch (const FormatError& e) {
    throw invalid_request(std::string("the chat template rejected the messages: ") + e.what(),
                          "messages");
  }
}

std::vector<int32_t> completion_prompt(const ServedModel& served, const std::string& prompt) {
  // A raw prompt is the client's own text: its special tokens are matched, as in llama.cpp's
  // /completion and vLLM's /v1/completions.
  std::vector<int32_t> ids = encode_within_context(served, PromptText{prompt, {}}, true, "prompt");
  if (ids.empty()) throw invalid_request("'prompt' is empty", "prompt");
  return ids;
}

GenerationRequest generation_request(const ServedModel& served, std::vector<int32_t> prompt,
                                     const SamplingRequest& s, const std::string& prompt_param) {
  const int64_t P = int64_t(prompt.size()), room = served.context - P;
  if (room < 1)
    throw invalid_request("the prompt is " + std::to_string(P) +
                              " tokens; the context (--ctx) "
                              "holds " +
                              std::to_string(served.context) +
                              " tokens, which leaves no room for a reply",
                          prompt_param, "context_length_exceeded");
  if (s.max_tokens && *s.max_tokens > room)
    throw invalid_request("max_tokens = " + std::to_string(*s.max_tokens) +
                              " is beyond the context: the prompt is " + std::to_string(P) +
                              " tokens and the context (--ctx) holds " +
                              std::to_string(served.context) + ", so at most " +
                              std::to_string(room) + " tokens can follow",
                          "max_tokens", "context_length_exceeded");
  GenerationRequest r;
  r.prompt = std::move(prompt);
  r.n = s.n;
  r.max_tokens = s.max_tokens.value_or(room);
  r.stop_strings = s.stop;
  r.sampling = served.defaults;
  if (s.temperature) r.sampling.temperature = float(*s.temperature);
  if (s.top_p) r.sampling.top_p = float(*s.top_p);
  r.sampling.presence_penalty = float(s.presence_penalty);
  r.sampling.frequency_penalty = float(s.frequency_penalty);
  if (s.top_k) r.sampling.top_k = *s.top_k;
  if (s.min_p) r.sampling.min_p = float(*s.min_p);
  if (s.repeat_penalty) r.sampling.repetition_penalty = float(*s.repeat_penalty);
  r.sampling.seed = s.seed ? uint64_t(*s.seed) : std::random_device{}();
  // A chat reply may open its reasoning before the document (the reasoning parser splits it
  // off); a raw completion is the document itself unless its prompt left <think> open.
  if (s.json_grammar) r.structured = StructuredOutput{s.json_grammar, prompt_param == "messages"};
  return r;
}

}  // namespace r1::server
