// Counters of the HTTP side (requests by endpoint and status) and the Prometheus text exposition
// of them together with the engine's token counts, queue length, slots and tokens/s.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "server/batch_engine.h"

namespace r1::server {

class ServerMetrics {
 public:
  // endpoint: a route of the API ("/v1/chat/completions") or "other"; status: as answered
  // (499 for a client that left before the answer).
  void count_request(const std::string& endpoint, int status);
  int64_t requests(const std::string& endpoint, int status) const;

  // Prometheus text format 0.0.4.
  std::string prometheus_text(const EngineStats& engine) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
};

}  // namespace r1::server
