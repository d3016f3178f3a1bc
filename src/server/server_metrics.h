// Counters of the API (requests by endpoint and status) and the Prometheus text exposition of
// them together with the HTTP server's and the engine's token counts, queue length, slots and
// tokens/s.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "server/batch_engine.h"
#include "server/http_counters.h"

namespace r1::server {

class ServerMetrics {
 public:
  // endpoint: a route of the API ("/v1/chat/completions") or "other"; status: as answered
  // (499 for a client that left before the answer).
  void count_request(const std::string& endpoint, int status);
  int64_t requests(const std::string& endpoint, int status) const;

  // Prometheus text format 0.0.4, with the HTTP server's counters.
  std::string prometheus_text(const EngineStats& engine) const;

  // Filled by the HTTP server (HttpServerOptions::counters).
  std::shared_ptr<HttpCounters> http = std::make_shared<HttpCounters>();

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
};

}  // namespace r1::server
