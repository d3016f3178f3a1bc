// The HTTP server's counters and their Prometheus exposition.
#include "server/http_counters.h"

namespace r1::server {

void HttpCounters::count_response(int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++responses_[status];
}

int64_t HttpCounters::responses(int status) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = responses_.find(status);
  return it == responses_.end() ? 0 : it->second;
}

namespace {

void counter(std::string& out, const char* name, const char* type, const char* help,
             int64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + std::to_string(value) + "\n";
}

}  // namespace

std::string HttpCounters::prometheus_text() const {
  std::string out =
      "# HELP r1_http_responses_total HTTP responses sent, by status (499: the client left "
      "before the response ended).\n"
      "# TYPE r1_http_responses_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [status, count] : responses_)
      out += "r1_http_responses_total{status=\"" + std::to_string(status) + "\"} " +
             std::to_string(count) + "\n";
  }
  counter(out, "r1_http_connections_accepted_total", "counter", "Connections accepted.",
          accepted);
  counter(out, "r1_http_connections_refused_total", "counter",
          "Connections answered 503 for want of room and closed.", refused);
  counter(out, "r1_http_connections_evicted_total", "counter",
          "Connections closed while waiting for a request, to make room for a new one.", evicted);
  counter(out, "r1_http_connections_timed_out_total", "counter",
          "Connections closed because a request head or body arrived too slowly.", timed_out);
  counter(out, "r1_http_connections_without_request_total", "counter",
          "Connections that ended before a first whole request arrived.", without_request);
  counter(out, "r1_http_parse_errors_total", "counter",
          "Requests refused as malformed or over a limit (400, 411, 413, 431, 501, 505).",
          parse_errors);
  counter(out, "r1_http_connections_waiting", "gauge",
          "Open connections idle or receiving a request head.", waiting);
  counter(out, "r1_http_connections_busy", "gauge", "Open connections with a request in progress.",
          busy);
  return out;
}

}  // namespace r1::server
