// A small HTTP/1.1 server over POSIX TCP sockets: one thread per connection, a handler callback
// per request, streaming responses and detection of clients that went away.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "server/http_request.h"
#include "server/http_response.h"

namespace r1::server {

class ApiError;

// What a handler answers one request through. Either respond() once, or begin_events(), any
// number of send_event() and finish_events(). Writes never throw: a false return (or
// client_gone()) means the client disconnected, timed out or the server is stopping, and the
// handler should stop work for this request at once.
class ResponseWriter {
 public:
  ResponseWriter(int fd, const HttpRequest& request, const std::atomic<bool>& stopping);

  bool respond(const HttpResponse& response);
  bool respond_error(const ApiError& error);
  bool begin_events();
  bool send_event(std::string_view data);
  bool finish_events();

  // True once a write failed, the peer closed or reset the connection, or the server is
  // stopping. Cheap (one poll with zero timeout): a generation loop may call it every token.
  bool client_gone();

  bool started() const { return started_; }  // status line sent
  bool streaming() const { return sse_.has_value(); }
  bool keep_alive() const;  // the connection may serve another request

 private:
  bool write_all(std::string_view bytes);

  int fd_;
  const std::atomic<bool>& stopping_;
  bool keep_alive_;
  bool http10_;
  bool started_ = false;
  bool gone_ = false;
  std::optional<SseWriter> sse_;
};

using HttpHandler = std::function<void(const HttpRequest&, ResponseWriter&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 address
  int port = 8080;                 // 0: an ephemeral port, see HttpServer::port()
  int max_connections = 64;        // more are answered 503 and closed
  // How long a request (or, between keep-alive requests, the next one) may take to arrive;
  // also how long a write may block on a client that stopped reading.
  std::chrono::milliseconds io_timeout{30'000};
  HttpLimits limits;
};

// Threading: one thread per connection. A handler of this server blocks for a whole generation
// (streaming tokens as a batched decoder produces them), so a thread per connection keeps each
// handler a straight loop instead of a state machine; connections are few (max_connections)
// and a thread's cost is nothing next to a model's. The accept loop polls the listening socket
// and a wake-up pipe so that stop() returns promptly.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens, then accepts on a background thread. Throws IoError naming host:port.
  void start();
  int port() const { return port_; }  // the bound port (the ephemeral one when asked for 0)
  // Stops accepting, shuts every connection down (handlers see client_gone()), joins all
  // threads. Idempotent; the destructor calls it.
  void stop();
  int active_connections() const { return active_.load(); }

 private:
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void accept_loop();
  void reject_overloaded(int fd);
  void serve_connection(Connection& connection);
  void reap_finished_connections();

  HttpServerOptions options_;
  HttpHandler handler_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> active_{0};
  std::thread accept_thread_;
  std::mutex connections_mutex_;
  std::list<std::unique_ptr<Connection>> connections_;
};

}  // namespace r1::server
