// /v1/completions: text_completion objects, whole or streamed; also the helpers both
// generation endpoints share (ids, usage, a failed job's answer).
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "server/api_error.h"
#include "server/endpoints.h"
#include "server/job_stream.h"

namespace r1::server {

std::string response_id(const std::string& prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char hex[25];
  std::snprintf(hex, sizeof hex, "%08llx%016llx", (unsigned long long)(rng() & 0xffffffffu),
                (unsigned long long)rng());
  return prefix + "-" + hex;
}

int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Json usage_json(int64_t prompt_tokens, int64_t completion_tokens, int64_t reasoning_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens},
          {"completion_tokens_details", {{"reasoning_tokens", reasoning_tokens}}}};
}

Json answer_json(const std::string& id, const std::string& object, int64_t created,
                 const std::string& model, Json choices) {
  return {{"id", id},
          {"object", object},
          {"created", created},
          {"model", model},
          {"choices", std::move(choices)}};
}

std::string dump_json(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

int end_stream(ResponseWriter& w, Json last, bool include_usage, const Json& usage) {
  if (include_usage) {
    last["usage"] = usage;
    w.send_event(dump_json(last));
  }
  w.finish_events();
  return 200;
}

int respond_answer(ResponseWriter& w, Json answer, const Json& usage) {
  answer["usage"] = usage;
  w.respond(HttpResponse::json(200, dump_json(answer)));
  return 200;
}

int answer_failure(ResponseWriter& w, const std::string& failure) {
  const ApiError error = failure.find("shutting down") != std::string::npos ? overloaded(failure)
                                                                            : server_error(failure);
  if (!w.streaming()) throw error;
  w.send_event(error.to_json());
  w.finish_events();
  return error.status();
}

namespace {

struct TextChoice {
  std::string text, finish_reason;
  int64_t tokens = 0;
};

}  // namespace

int serve_completions(const ApiContext& api, const HttpRequest& request, ResponseWriter& w) {
  const CompletionRequest r = parse_completion_request(request.body);
  check_model_name(api.model, r.model);
  const auto job = api.engine.submit(
      generation_request(api.model, completion_prompt(api.model, r.prompt), r.sampling, "prompt"));
  const std::string id = response_id("cmpl");
  const int64_t created = unix_time();
  std::vector<TextChoice> choices(size_t(job->choices()));
  auto chunk = [&](Json choice_list) {
    Json c = answer_json(id, "text_completion", created, api.model.id, std::move(choice_list));
    if (r.include_usage) c["usage"] = nullptr;
    return c;
  };
  if (r.stream) w.begin_events();
  const JobEnd end = follow_job(*job, w, [&](const TokenEvent& e) {
    TextChoice& c = choices[size_t(e.choice)];
    ++c.tokens;
    c.text += e.text;
    c.finish_reason = e.finish_reason;
    if (!r.stream || (e.text.empty() && e.finish_reason.empty())) return true;
    const Json finish = e.finish_reason.empty() ? Json(nullptr) : Json(e.finish_reason);
    return w.send_event(dump_json(chunk(Json::array({{{"index", e.choice},
                                                      {"text", e.text},
                                                      {"logprobs", nullptr},
                                                      {"finish_reason", finish}}}))));
  });
  if (end.client_gone) return 499;
  if (end.failure) return answer_failure(w, *end.failure);
  int64_t completion_tokens = 0;
  for (const TextChoice& c : choices) completion_tokens += c.tokens;
  const Json usage = usage_json(job->prompt_tokens(), completion_tokens, 0);
  if (r.stream) return end_stream(w, chunk(Json::array()), r.include_usage, usage);
  Json list = Json::array();
  for (size_t i = 0; i < choices.size(); ++i)
    list.push_back({{"index", i},
                    {"text", choices[i].text},
                    {"logprobs", nullptr},
                    {"finish_reason", choices[i].finish_reason}});
  return respond_answer(w, answer_json(id, "text_completion", created, api.model.id, std::move(list)),
                        usage);
}

}  // namespace r1::server
