// `r1 serve`: the OpenAI-compatible HTTP server (/v1/chat/completions, /v1/completions,
// /v1/models, /health, /metrics, a chat page at /) over one model with continuous batching;
// stops cleanly on SIGINT or SIGTERM. Under mpirun the model is a pipeline: rank 0 serves HTTP
// and holds the first layers, the other ranks their layers, until rank 0 stops.
#include <csignal>
#include <cstdio>
#include <memory>

#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/pipeline_flag.h"
#include "cli/sampling_flags.h"
#include "infer/pipeline.h"
#include "server/openai_api.h"

namespace r1::cli {

namespace {

struct ServeArgs {
  std::string model, host = "127.0.0.1", api_key, pipeline_layers;
  int port = 8080, parallel = 4, queue = 64, max_connections = 64;
  int max_waiting = 256, max_per_ip = 64;
  double head_timeout_s = 5, idle_timeout_s = 30;
  int64_t min_body_rate = 1024;
  int64_t ctx = 0;
  int64_t cache_ram_mb = 2048;
  SamplingParams sampling;
  int threads = 0;
};

// Blocks the stop signals in this thread and so in every thread started after it; the main
// thread then takes them with sigwait instead of a handler.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Every rank blocks the stop signals (mpirun passes them on to all): the later stages stop when
// rank 0, having stopped the server, tells them to.
void run_serve(const ServeArgs& a, Comm& world) {
  apply_threads(a.threads);
  const sigset_t stop_signals = block_stop_signals();
  const ModelDir dir = ModelDir::open(a.model);
  std::unique_ptr<Model> model = load_inference_model(dir, world, a.pipeline_layers);
  if (!model) return;  // a later pipeline stage: it served its layers until rank 0 stopped
  server::ServedModel served = server::ServedModel::of(dir, std::move(model), a.ctx);
  served.defaults = a.sampling;
  server::BatchEngine engine(*served.model, served.tokenizer.get(), served.stop_ids,
                             {a.parallel, a.queue, a.cache_ram_mb << 20});
  server::OpenAiApi api(served, engine, {a.api_key});
  server::HttpServerOptions options;
  options.host = a.host;
  options.port = a.port;
  options.max_connections = a.max_connections;
  options.max_waiting_connections = a.max_waiting;
  options.max_connections_per_ip = a.max_per_ip;
  options.head_timeout = std::chrono::milliseconds(static_cast<int64_t>(a.head_timeout_s * 1000));
  options.idle_timeout = std::chrono::milliseconds(static_cast<int64_t>(a.idle_timeout_s * 1000));
  options.min_body_rate = a.min_body_rate;
  api.configure(options);
  server::HttpServer http(options, [&api](const server::HttpRequest& r, server::ResponseWriter& w) {
    api.handle(r, w);
  });
  http.start();
  std::printf("r1 serve: http://%s:%d/ (model '%s', %d slots, context %lld tokens%s)\n",
              a.host.c_str(), http.port(), served.id.c_str(), a.parallel, (long long)served.context,
              a.api_key.empty() ? "" : ", API key required");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::fprintf(stderr, "r1 serve: %s, stopping\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  http.stop();
  engine.stop();
}

}  // namespace

void add_serve(CLI::App& app, Comm& world) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd =
      app.add_subcommand("serve", "OpenAI-compatible HTTP server with continuous batching");
  cmd->add_option("--model", args->model, "checkpoint directory or .gguf file")->required();
  cmd->add_option("--host", args->host, "IPv4 address to listen on (default 127.0.0.1)");
  cmd->add_option("--port", args->port, "TCP port, 0 = any free one (default 8080)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--parallel", args->parallel,
                  "slots: sequences decoded together in one batch (default 4)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("-c,--ctx", args->ctx,
                  "tokens of prompt + reply per sequence at most (default 4096, at most the "
                  "model's max_position_embeddings)");
  cmd->add_option("--cache-ram", args->cache_ram_mb,
                  "MB of prompt and finished-request KV kept in shared token blocks, so that a "
                  "prompt starting with their tokens prefills only the rest (default 2048; 0: off)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  cmd->add_option("--queue", args->queue,
                  "requests that may wait for a free slot; more are answered 503 (default 64)")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--max-connections", args->max_connections,
                  "requests in progress at most (a thread each); more are answered 503 "
                  "(default 64)")
      ->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--max-waiting-connections", args->max_waiting,
                  "connections idle or sending a request head at most; when full, the one "
                  "waiting longest is closed (default 256)")
      ->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--max-connections-per-ip", args->max_per_ip,
                  "open connections of one client address at most (default 64; behind a reverse "
                  "proxy, raise it to --max-connections + --max-waiting-connections)")
      ->check(CLI::Range(1, 1 << 17));
  cmd->add_option("--header-timeout", args->head_timeout_s,
                  "seconds a request line and headers may take to arrive; else 408 (default 5)")
      ->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--idle-timeout", args->idle_timeout_s,
                  "seconds a keep-alive connection may wait for its next request (default 30)")
      ->check(CLI::Range(0.01, 86400.0));
  cmd->add_option("--min-body-rate", args->min_body_rate,
                  "bytes/s a request body must average after 5 s; else 408 (default 1024, 0: "
                  "no minimum)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  cmd->add_option("--api-key", args->api_key,
                  "require 'Authorization: Bearer KEY' on every endpoint but /health and the chat page");
  add_sampling_flags(cmd, args->sampling);
  add_threads_flag(cmd, args->threads);
  add_pipeline_flag(cmd, args->pipeline_layers);
  cmd->callback([args, &world] { run_serve(*args, world); });
}

}  // namespace r1::cli
