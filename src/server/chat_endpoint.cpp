// /v1/chat/completions: the conversation through the model's chat template, the reply split
// into reasoning_content and content as the DeepSeek API does (or inline with
// reasoning_format "none"), answered as chat.completion or streamed chat.completion.chunk.
#include <vector>

#include "chat/reasoning_parser.h"
#include "server/endpoints.h"
#include "server/job_stream.h"

namespace r1::server {

namespace {

// One choice's reply as its tokens arrive.
class ChatChoice {
 public:
  ChatChoice(bool think_forced, ReasoningFormat format) : parser_(think_forced), format_(format) {}

  // One token: what to show of it now.
  ReasoningDelta take(const TokenEvent& e) {
    ++tokens_;
    // Tokens count as reasoning while the parser is inside <think> (the closing tag included).
    if (parser_.in_reasoning()) ++reasoning_tokens_;
    ReasoningDelta d = parser_.push(e.text);
    if (!e.finish_reason.empty()) {
      const ReasoningDelta rest = parser_.finish();
      d.reasoning += rest.reasoning;
      d.content += rest.content;
      finish_reason_ = e.finish_reason;
    }
    if (format_ == ReasoningFormat::kNone) d = {"", e.text};
    reasoning_ += d.reasoning;
    content_ += d.content;
    return d;
  }

  Json message() const {
    Json m = {{"role", "assistant"}, {"content", content_}};
    if (format_ == ReasoningFormat::kDeepSeek) m["reasoning_content"] = reasoning_;
    return m;
  }
  const std::string& finish_reason() const { return finish_reason_; }
  int64_t tokens() const { return tokens_; }
  int64_t reasoning_tokens() const { return reasoning_tokens_; }

 private:
  ReasoningParser parser_;
  ReasoningFormat format_;
  std::string reasoning_, content_, finish_reason_;
  int64_t tokens_ = 0, reasoning_tokens_ = 0;
};

Json delta_json(const ReasoningDelta& d) {
  Json delta = Json::object();
  if (!d.reasoning.empty()) delta["reasoning_content"] = d.reasoning;
  if (!d.content.empty()) delta["content"] = d.content;
  return delta;
}

}  // namespace

int serve_chat_completions(const ApiContext& api, const HttpRequest& request, ResponseWriter& w) {
  const ChatRequest r = parse_chat_request(request.body);
  check_model_name(api.model, r.model);
  const auto job = api.engine.submit(
      generation_request(api.model, chat_prompt(api.model, r.messages, r.tools.tools, r.template_kwargs),
                         r.sampling, "messages"));
  const std::string id = response_id("chatcmpl");
  const int64_t created = unix_time();
  std::vector<ChatChoice> choices(size_t(job->choices()),
                                  ChatChoice(api.model.chat.forces_think(), r.reasoning_format));
  auto chunk = [&](Json choice_list) {
    Json c = answer_json(id, "chat.completion.chunk", created, api.model.id, std::move(choice_list));
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
    const ReasoningDelta d = choices[size_t(e.choice)].take(e);
    if (!r.stream) return true;
    if ((!d.reasoning.empty() || !d.content.empty()) &&
        !w.send_event(dump_json(delta_chunk(e.choice, delta_json(d), ""))))
      return false;
    return e.finish_reason.empty() ||
           w.send_event(dump_json(delta_chunk(e.choice, Json::object(), e.finish_reason)));
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
  return respond_answer(w, answer_json(id, "chat.completion", created, api.model.id, std::move(list)),
                        usage);
}

}  // namespace r1::server
