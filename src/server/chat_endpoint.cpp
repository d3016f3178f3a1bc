// /v1/chat/completions: the conversation (and the request's tools) through the model's chat
// template; the reply split into reasoning_content, content and tool_calls as the DeepSeek API
// does (or reasoning inline with reasoning_format "none"), answered as chat.completion or
// streamed chat.completion.chunk with delta.tool_calls.
#include <vector>

#include "chat/tool_call_parser.h"
#include "core/hash.h"
#include "server/endpoints.h"
#include "server/job_stream.h"

namespace r1::server {

namespace {

// Whether the model's reply starts inside its reasoning: the template wrote "<think>\n" (R1), or
// V3.1's template wrote "<think>" because chat_template_kwargs turned thinking on.
bool starts_in_reasoning(const ChatTemplate& chat, const OrderedJson& kwargs) {
  if (chat.forces_think()) return true;
  const auto thinking = kwargs.find("thinking");
  return chat.family() == ChatFamily::DeepSeekV3_1 && thinking != kwargs.end() &&
         thinking->is_boolean() && thinking->get<bool>();
}

// One choice's reply as its tokens arrive.
class ChatChoice {
 public:
  ChatChoice(const ToolCallOptions& options, ReasoningFormat format, bool parallel_calls)
      : parser_(options),
        format_(format),
        tools_(options.tools_enabled),
        parallel_calls_(parallel_calls) {}

  // One token: what to show of it now.
  MessageDelta take(const TokenEvent& e) {
    ++tokens_;
    // Tokens count as reasoning while the parser is inside <think> (the closing tag included).
    if (parser_.in_reasoning()) ++reasoning_tokens_;
    MessageDelta d = parser_.push(e.text);
    if (!e.finish_reason.empty()) {
      MessageDelta rest = parser_.finish();
      d.reasoning += rest.reasoning;
      d.content += rest.content;
      for (ToolCallDelta& c : rest.tool_calls) d.tool_calls.push_back(std::move(c));
      finish_reason_ =
          e.finish_reason == "stop" && has_tool_calls() ? "tool_calls" : e.finish_reason;
    }
    if (format_ == ReasoningFormat::kNone) {
      // Reasoning inline: the raw text, or with tools its text without the tool-call blocks.
      d.content = tools_ ? d.reasoning + d.content : e.text;
      d.reasoning.clear();
    }
    if (!parallel_calls_)
      std::erase_if(d.tool_calls, [](const ToolCallDelta& c) { return c.index > 0; });
    reasoning_ += d.reasoning;
    content_ += d.content;
    return d;
  }

  Json message() const {
    AssistantMessage m = parser_.message();
    m.reasoning = reasoning_, m.content = content_;
    if (!parallel_calls_ && m.tool_calls.size() > 1) m.tool_calls.resize(1);
    Json j = Json::parse(assistant_message_json(m).dump());
    if (format_ == ReasoningFormat::kNone)
      j.erase("reasoning_content");
    else if (j["reasoning_content"].is_null())
      j["reasoning_content"] = "";
    if (!m.error.empty()) j["tool_call_error"] = m.error;
    return j;
  }
  // The reason tool calls could not be parsed; empty when none.
  const std::string& tool_call_error() const { return parser_.message().error; }
  const std::string& finish_reason() const { return finish_reason_; }
  int64_t tokens() const { return tokens_; }
  int64_t reasoning_tokens() const { return reasoning_tokens_; }

 private:
  bool has_tool_calls() const { return tools_ && parser_.has_tool_calls(); }

  ToolCallParser parser_;
  ReasoningFormat format_;
  bool tools_, parallel_calls_;
  std::string reasoning_, content_, finish_reason_;
  int64_t tokens_ = 0, reasoning_tokens_ = 0;
};

// delta.tool_calls as OpenAI streams them: a call's first piece with its id, type and name.
Json tool_call_deltas(const std::vector<ToolCallDelta>& calls) {
  Json list = Json::array();
  for (const ToolCallDelta& c : calls) {
    Json call = {{"index", c.index}};
    Json function = {{"arguments", c.arguments}};
    if (!c.name.empty()) {
      call["id"] = c.id;
      call["type"] = "function";
      function["name"] = c.name;
    }
    call["function"] = std::move(function);
    list.push_back(std::move(call));
  }
  return list;
}

Json delta_json(const MessageDelta& d) {
  Json delta = Json::object();
  if (!d.reasoning.empty()) delta["reasoning_content"] = d.reasoning;
  if (!d.content.empty()) delta["content"] = d.content;
  if (!d.tool_calls.empty()) delta["tool_calls"] = tool_call_deltas(d.tool_calls);
  return delta;
}

}  // namespace

int serve_chat_completions(const ApiContext& api, const HttpRequest& request, ResponseWriter& w) {
  const ChatRequest r = parse_chat_request(request.body);
  check_model_name(api.model, r.model);
  const ToolCallFormat format = tool_call_format_for(api.model.chat.family());
  GenerationRequest generation = generation_request(
      api.model, chat_prompt(api.model, r.messages, r.tools.tools, r.template_kwargs), r.sampling,
      "messages");
  if (auto forced = forced_tool_calls(r.tools, format, *api.model.tokenizer))
    generation.structured = std::move(*forced);
  // After a tool result R1's template writes no "<think>\n": the reply starts as content then.
  const bool think_forced = starts_in_reasoning(api.model.chat, r.template_kwargs) &&
                            prompt_opens_reasoning(*api.model.tokenizer, generation.prompt);
  const auto job = api.engine.submit(std::move(generation));
  const std::string id = response_id("chatcmpl");
  const int64_t created = unix_time();
  std::vector<ChatChoice> choices;
  for (int i = 0; i < job->choices(); ++i) {
    ToolCallOptions options;
    options.format = format;
    options.think_forced = think_forced;
    options.tools_enabled = r.tools.enabled();
    options.tool_names = r.tools.names;
    options.id_seed = fnv1a(id) + uint64_t(i);
    choices.emplace_back(options, r.reasoning_format, r.tools.parallel_calls);
  }
  auto chunk = [&](Json choice_list) {
    Json c =
        answer_json(id, "chat.completion.chunk", created, api.model.id, std::move(choice_list));
    if (r.include_usage) c["usage"] = nullptr;
    return c;
  };
  auto delta_chunk = [&](int choice, Json delta, const std::string& finish_reason) {
    return chunk(Json::array(
        {{{"index", choice},
          {"delta", std::move(delta)},
          {"logprobs", nullptr},
          {"finish_reason", finish_reason.empty() ? Json(nullptr) : Json(finish_reason)}}}));
  };
  if (r.stream) {
    w.begin_events();
    for (int i = 0; i < job->choices(); ++i)
      w.send_event(dump_json(delta_chunk(i, {{"role", "assistant"}, {"content", ""}}, "")));
  }
  const JobEnd end = follow_job(*job, w, [&](const TokenEvent& e) {
    ChatChoice& choice = choices[size_t(e.choice)];
    const MessageDelta d = choice.take(e);
    if (!r.stream) return true;
    if (!d.empty() && !w.send_event(dump_json(delta_chunk(e.choice, delta_json(d), ""))))
      return false;
    if (e.finish_reason.empty()) return true;
    Json last = Json::object();
    if (!choice.tool_call_error().empty()) last["tool_call_error"] = choice.tool_call_error();
    return w.send_event(dump_json(delta_chunk(e.choice, std::move(last), choice.finish_reason())));
  });
  if (end.client_gone) return 499;
  if (end.failure) return answer_failure(w, *end.failure);
  int64_t tokens = 0, reasoning_tokens = 0;
  for (const ChatChoice& c : choices)
    tokens += c.tokens(), reasoning_tokens += c.reasoning_tokens();
  const Json usage = usage_json(job->prompt_tokens(), tokens, reasoning_tokens);
  if (r.stream) return end_stream(w, chunk(Json::array()), r.include_usage, usage);
  Json list = Json::array();
  for (size_t i = 0; i < choices.size(); ++i)
    list.push_back({{"index", i},
                    {"message", choices[i].message()},
                    {"logprobs", nullptr},
                    {"finish_reason", choices[i].finish_reason()}});
  return respond_answer(
      w, answer_json(id, "chat.completion", created, api.model.id, std::move(list)), usage);
}

}  // namespace r1::server
