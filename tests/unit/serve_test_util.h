// Shared by the serve tests: a tiny chat model with R1's template (built once per process), an
// in-process server over it on an ephemeral port, and requests with their answers parsed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http_test_client.h"
#include "io/json_file.h"
#include "server/http_server.h"
#include "server/openai_api.h"

namespace r1::test {

// A tiny V3 model directory with a trained tokenizer carrying DeepSeek-R1's chat template.
const std::string& serve_model_dir();

struct ServerSetup {
  int parallel = 4, max_queue = 64;
  int64_t ctx = 0;
  std::string api_key;
  int64_t cache_ram_bytes = 64 << 20;  // the prefix cache, on as `r1 serve` has it
};

class TestServer {
 public:
  explicit TestServer(const ServerSetup& setup = {});
  ~TestServer();

  int port() const { return http_->port(); }
  const server::ServedModel& model() const { return served_; }
  server::BatchEngine& engine() { return *engine_; }

 private:
  server::ServedModel served_;
  std::unique_ptr<server::BatchEngine> engine_;
  std::unique_ptr<server::OpenAiApi> api_;
  std::unique_ptr<server::HttpServer> http_;
};

// One request on a fresh connection; extra_headers are whole lines ("Authorization: ...").
ClientResponse http_request(int port, const std::string& method, const std::string& path,
                            const std::string& body = "",
                            const std::vector<std::string>& extra_headers = {});
ClientResponse post_json(int port, const std::string& path, const Json& body);

// The JSON events of an event-stream body, in order; whether it ended with [DONE].
std::vector<Json> sse_events(const std::string& body, bool* done = nullptr);

// The value of an unlabelled metric in a Prometheus text page (-1 if absent).
double metric_value(const std::string& page, const std::string& name);

}  // namespace r1::test
