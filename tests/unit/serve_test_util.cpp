// Serve test helpers: the shared tiny chat model, the in-process server, request helpers.
#include "serve_test_util.h"

#include <gtest/gtest.h>

#include <sstream>

#include "checkpoint/model_dir.h"
#include "test_util.h"

namespace r1::test {

const std::string& serve_model_dir() {
  static const std::string dir = [] {
    const std::string root = make_temp_dir("serve");
    const Json config = read_json_file(std::string(R1_SOURCE_DIR) +
                                       "/tests/chat_template/templates/deepseek_r1/"
                                       "tokenizer_config.json");
    write_text_file_atomic(root + "/r1.jinja", config["chat_template"].get<std::string>());
    auto r = run_r1("tokenizer train --quiet --vocab-size 600 --corpus " +
                    std::string(R1_TRAINED_TOKENIZER_DIR) + "/corpus.txt --chat-template " + root +
                    "/r1.jinja --out " + root + "/tok");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = run_r1("init --preset tiny --out " + root + "/tiny-r1 --tokenizer " + root + "/tok");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return root + "/tiny-r1";
  }();
  return dir;
}

TestServer::TestServer(const ServerSetup& setup)
    : served_(server::ServedModel::load(serve_model_dir(), setup.ctx)) {
  engine_ = std::make_unique<server::BatchEngine>(
      *served_.model, served_.tokenizer.get(), served_.stop_ids,
      server::EngineOptions{setup.parallel, setup.max_queue, setup.cache_ram_bytes});
  api_ = std::make_unique<server::OpenAiApi>(served_, *engine_, server::ApiOptions{setup.api_key});
  server::HttpServerOptions options;
  options.port = 0;
  options.limits.max_body_bytes = 64 * 1024;
  api_->configure(options);
  http_ = std::make_unique<server::HttpServer>(
      options,
      [this](const server::HttpRequest& r, server::ResponseWriter& w) { api_->handle(r, w); });
  http_->start();
}

TestServer::~TestServer() {
  http_->stop();
  engine_->stop();
}

ClientResponse http_request(int port, const std::string& method, const std::string& path,
                            const std::string& body,
                            const std::vector<std::string>& extra_headers) {
  HttpTestClient c(port);
  std::string head = method + " " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n";
  for (const std::string& h : extra_headers) head += h + "\r\n";
  if (!body.empty() || method == "POST")
    head +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  c.send(head + "\r\n" + body);
  return c.read_response();
}

ClientResponse post_json(int port, const std::string& path, const Json& body) {
  return http_request(port, "POST", path, body.dump());
}

std::vector<Json> sse_events(const std::string& body, bool* done) {
  std::vector<Json> events;
  if (done) *done = false;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("data: ", 0) != 0) continue;
    const std::string data = line.substr(6);
    if (data == "[DONE]") {
      if (done) *done = true;
      continue;
    }
    events.push_back(Json::parse(data));
  }
  return events;
}

double metric_value(const std::string& page, const std::string& name) {
  std::istringstream in(page);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

}  // namespace r1::test
