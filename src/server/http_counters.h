// What the HTTP server counts about its connections and every response it sends (the handler's
// and its own: 408, 413, 431, 503, parse errors), for the /metrics page.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace r1::server {

class HttpCounters {
 public:
  // status: as sent, or 499 for a client that left before its response ended.
  void count_response(int status);
  int64_t responses(int status) const;

  // Prometheus text format 0.0.4: r1_http_responses_total{status="..."} and the connection
  // counters and gauges below.
  std::string prometheus_text() const;

  std::atomic<int64_t> accepted{0};         // connections accepted
  std::atomic<int64_t> refused{0};          // answered 503 (no room) and closed
  std::atomic<int64_t> evicted{0};          // closed while waiting, to make room for a new one
  std::atomic<int64_t> timed_out{0};        // request head or body too slow (408), or no request
  std::atomic<int64_t> without_request{0};  // closed before a first request arrived whole
  std::atomic<int64_t> parse_errors{0};     // malformed or over-limit requests
  std::atomic<int64_t> waiting{0};          // open, idle or receiving a request head (gauge)
  std::atomic<int64_t> busy{0};             // open, with a request in progress (gauge)

 private:
  mutable std::mutex mutex_;
  std::map<int, int64_t> responses_;
};

}  // namespace r1::server
