// Routing and the small endpoints; the generation endpoints are in chat_endpoint.cpp and
// completion_endpoint.cpp.
#include "server/openai_api.h"

#include <array>

#include "server/api_error.h"
#include "server/chat_page.h"

namespace r1::server {

namespace {

struct Route {
  const char* path;
  const char* method;
};

// Paths under /v1/models/ name one model and count as /v1/models.
constexpr std::array<Route, 6> kRoutes = {{{"/", "GET"},
                                           {"/v1/chat/completions", "POST"},
                                           {"/v1/completions", "POST"},
                                           {"/v1/models", "GET"},
                                           {"/health", "GET"},
                                           {"/metrics", "GET"}}};

std::string endpoint_of(std::string_view path) {
  for (const Route& r : kRoutes)
    if (path == r.path) return r.path;
  if (path.starts_with("/v1/models/")) return "/v1/models";
  return "other";
}

// Compares without an early exit, so the time taken does not tell how much of a key matched.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned diff = unsigned(a.size() != b.size());
  for (size_t i = 0; i < a.size(); ++i) diff |= unsigned(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

OpenAiApi::OpenAiApi(const ServedModel& model, BatchEngine& engine, ApiOptions options)
    : api_{model, engine}, options_(std::move(options)) {}

void OpenAiApi::handle(const HttpRequest& request, ResponseWriter& w) {
  const std::string endpoint = endpoint_of(request.path());
  int status = 500;
  try {
    status = route(endpoint, request, w);
  } catch (const ApiError& e) {
    status = e.status();
    w.respond_error(e);
  } catch (const std::bad_alloc&) {
    w.respond_error(server_error("out of memory"));
  } catch (const std::exception& e) {
    w.respond_error(server_error(std::string("internal error: ") + e.what()));
  }
  metrics_.count_request(endpoint, status);
}

std::optional<HttpResponse> OpenAiApi::check_head(const HttpRequest& head) {
  const std::string endpoint = endpoint_of(head.path());
  if (!needs_key(endpoint)) return std::nullopt;
  try {
    check_api_key(head);
  } catch (const ApiError& e) {
    metrics_.count_request(endpoint, e.status());
    return e.to_response();
  }
  return std::nullopt;
}

void OpenAiApi::configure(HttpServerOptions& options) {
  options.check_head = [this](const HttpRequest& head) { return check_head(head); };
  options.counters = metrics_.http;
}

bool OpenAiApi::needs_key(const std::string& endpoint) const {
  // The page and /health need no key: the page asks for one and sends it with each request.
  return !options_.api_key.empty() && endpoint != "/health" && endpoint != "/";
}

int OpenAiApi::route(const std::string& endpoint, const HttpRequest& request, ResponseWriter& w) {
  const std::string path(request.path());
  if (needs_key(endpoint)) check_api_key(request);
  const Route* route = nullptr;
  for (const Route& r : kRoutes)
    if (endpoint == r.path) route = &r;
  if (!route)
    throw not_found("there is no endpoint " + quote_untrusted(path), std::nullopt, "unknown_url");
  if (request.method != route->method) throw method_not_allowed(request.method, path);
  if (endpoint == "/v1/chat/completions") return serve_chat_completions(api_, request, w);
  if (endpoint == "/v1/completions") return serve_completions(api_, request, w);
  if (endpoint == "/v1/models") return serve_models(path, w);
  if (endpoint == "/") {
    w.respond(HttpResponse::text(200, std::string(chat_page_html()), "text/html; charset=utf-8"));
    return 200;
  }
  if (endpoint == "/health") {
    w.respond(HttpResponse::json(200, R"({"status":"ok"})"));
    return 200;
  }
  w.respond(HttpResponse::text(200, metrics_.prometheus_text(api_.engine.stats()),
                               "text/plain; version=0.0.4; charset=utf-8"));
  return 200;
}

void OpenAiApi::check_api_key(const HttpRequest& request) const {
  if (options_.api_key.empty()) return;
  const std::string* auth = request.header("Authorization");
  if (!auth)
    throw authentication_error("this server needs an API key: send 'Authorization: Bearer KEY'");
  constexpr std::string_view kBearer = "Bearer ";
  const std::string_view value(*auth);
  if (value.size() < kBearer.size() ||
      !equals_ignore_case(value.substr(0, kBearer.size()), kBearer) ||
      !same_secret(value.substr(kBearer.size()), options_.api_key))
    throw authentication_error("the API key in the Authorization header is wrong");
}

int OpenAiApi::serve_models(const std::string& path, ResponseWriter& w) const {
  const Json model = {{"id", api_.model.id},
                      {"object", "model"},
                      {"created", unix_time()},
                      {"owned_by", "r1cpp"},
                      {"max_model_len", api_.model.context}};
  if (path == "/v1/models") {
    w.respond(HttpResponse::json(200, dump_json({{"object", "list"}, {"data", {model}}})));
    return 200;
  }
  const std::string name = path.substr(std::string("/v1/models/").size());
  if (name != api_.model.id)
    throw not_found("the model " + quote_untrusted(name) + " does not exist; this server serves '" +
                        api_.model.id + "'",
                    "model", "model_not_found");
  w.respond(HttpResponse::json(200, dump_json(model)));
  return 200;
}

}  // namespace r1::server
