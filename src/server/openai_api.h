// The OpenAI-compatible API as one HTTP handler: routes, the API key, the chat page at /,
// /v1/models, /health, /metrics, and the count of every answer by endpoint and status.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "server/endpoints.h"
#include "server/server_metrics.h"

namespace r1::server {

struct ApiOptions {
  std::string api_key;  // empty: no key needed; else "Authorization: Bearer <key>" everywhere
                        // but /health and the chat page at /
};

class OpenAiApi {
 public:
  // model and engine must outlive the API.
  OpenAiApi(const ServedModel& model, BatchEngine& engine, ApiOptions options);

  // The HttpHandler: never throws (every failure is answered as an OpenAI-style error).
  void handle(const HttpRequest& request, ResponseWriter& w);
  // The HeadCheck: a request without the right API key is refused (401) as soon as its head
  // has arrived, before the server reads or buffers its body.
  std::optional<HttpResponse> check_head(const HttpRequest& head);
  // Sets options.check_head to check_head() and options.counters to the counters the /metrics
  // page shows. The API must outlive the server.
  void configure(HttpServerOptions& options);

  const ServerMetrics& metrics() const { return metrics_; }

 private:
  // The answer's status; throws ApiError for errors.
  int route(const std::string& endpoint, const HttpRequest& request, ResponseWriter& w);
  void check_api_key(const HttpRequest& request) const;
  bool needs_key(const std::string& endpoint) const;
  int serve_models(const std::string& path, ResponseWriter& w) const;

  ApiContext api_;
  ApiOptions options_;
  ServerMetrics metrics_;
};

}  // namespace r1::server
