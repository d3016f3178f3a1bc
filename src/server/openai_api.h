// The OpenAI-compatible API as one HTTP handler: routes, the API key, the chat page at /,
// /v1/models, /health, /metrics, and the count of every answer by endpoint and status.
#pragma once

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

  const ServerMetrics& metrics() const { return metrics_; }

 private:
  // The answer's status; throws ApiError for errors.
  int route(const std::string& endpoint, const HttpRequest& request, ResponseWriter& w);
  void check_api_key(const HttpRequest& request) const;
  int serve_models(const std::string& path, ResponseWriter& w) const;

  ApiContext api_;
  ApiOptions options_;
  ServerMetrics metrics_;
};

}  // namespace r1::server
