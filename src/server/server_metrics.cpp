// Request counters and the /metrics page.
#include "server/server_metrics.h"

#include <cstdio>

namespace r1::server {

void ServerMetrics::count_request(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
}

int64_t ServerMetrics::requests(const std::string& endpoint, int status) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = requests_.find({endpoint, status});
  return it == requests_.end() ? 0 : it->second;
}

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
  char line[64];
  std::snprintf(line, sizeof line, "%.17g", value);
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + line + "\n";
}

}  // namespace

std::string ServerMetrics::prometheus_text(const EngineStats& e) const {
  std::string out =
      "# HELP r1_requests_total HTTP requests answered, by endpoint and status.\n"
      "# TYPE r1_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, count] : requests_)
      out += "r1_requests_total{endpoint=\"" + key.first + "\",status=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  }
  metric(out, "r1_prompt_tokens_total", "counter", "Prompt tokens of the requests admitted.",
         double(e.prompt_tokens));
  metric(out, "r1_generated_tokens_total", "counter", "Tokens generated.",
         double(e.generated_tokens));
  metric(out, "r1_queue_length", "gauge", "Requests waiting for a slot.", double(e.queued));
  metric(out, "r1_active_slots", "gauge", "Slots decoding a sequence.", double(e.active_slots));
  metric(out, "r1_slots", "gauge", "Slots (--parallel).", double(e.slots));
  metric(out, "r1_tokens_per_second", "gauge",
         "Tokens generated per second of decoding, over the last 10 seconds.", e.tokens_per_second);
  const PrefixCacheStats& c = e.prefix_cache;
  metric(out, "r1_prefix_cache_lookups_total", "counter",
         "Prompts looked up in the prefix cache.", double(c.lookups));
  metric(out, "r1_prefix_cache_hits_total", "counter",
         "Prompts that reused a cached prefix.", double(c.hits));
  metric(out, "r1_prefix_cache_hit_tokens_total", "counter",
         "Prompt tokens copied from the prefix cache instead of prefilled.", double(c.hit_tokens));
  metric(out, "r1_prefix_cache_stored_tokens_total", "counter",
         "Tokens whose keys and values were copied into new cache blocks.",
         double(c.stored_tokens));
  metric(out, "r1_prefix_cache_blocks", "gauge", "Token blocks kept.", double(c.blocks));
  metric(out, "r1_prefix_cache_bytes", "gauge", "Bytes the kept blocks hold.", double(c.bytes));
  metric(out, "r1_prefix_cache_budget_bytes", "gauge", "The prefix cache's budget (--cache-ram).",
         double(c.budget_bytes));
  return out + http->prometheus_text();
}

}  // namespace r1::server
