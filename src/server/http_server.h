// A small HTTP/1.1 server over POSIX TCP sockets: one poller thread for connections waiting for
// a request, a thread per request in progress, a handler callback per request, streaming
// responses and detection of clients that went away.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/http_counters.h"
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
  // The status to count for this response: as sent, or 499 when the client left first.
  int counted_status() const;
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
  int status_ = 0;
  std::optional<SseWriter> sse_;
};

using HttpHandler = std::function<void(const HttpRequest&, ResponseWriter&)>;
// Called once a request's head has arrived, before its body is read: a response refuses the
// request at once (the connection is then closed), nullopt lets it through.
using HeadCheck = std::function<std::optional<HttpResponse>(const HttpRequest& head)>;

// Defaults are for a server on the open network; tests shorten the timeouts.
struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 address
  int port = 8080;                 // 0: an ephemeral port, see HttpServer::port()
  int max_connections = 64;        // requests in progress at once (a thread each); more: 503
  // Connections idle (keep-alive) or receiving a request head (a pollfd each, no thread). When
  // full, the one that has waited longest is closed to make room.
  int max_waiting_connections = 256;
  int max_connections_per_ip = 64;  // open connections of one client address, in both states
  // The request line and headers must arrive within this, counted from the accept, or on a
  // kept-alive connection from the next request's first byte; else 408.
  std::chrono::milliseconds head_timeout{5'000};
  // How long a kept-alive connection may wait for the first byte of its next request.
  std::chrono::milliseconds idle_timeout{30'000};
  // A body must arrive at min_body_rate bytes/s on average once body_grace has passed; else 408.
  std::chrono::milliseconds body_grace{5'000};
  int64_t min_body_rate = 1024;
  std::chrono::milliseconds io_timeout{30'000};  // how long a write may block on a stalled client
  HttpLimits limits;
  HeadCheck check_head;                    // none: every head is let through
  std::shared_ptr<HttpCounters> counters;  // where to count; null: the server makes its own
};

// Threading. A handler blocks for a whole generation (streaming tokens as a batched decoder
// produces them), so each request in progress has its own thread and the handler is a straight
// loop. Connections that have no request in progress yet (new, or idle between keep-alive
// requests) are held by one poller thread instead, which reads their request heads without
// blocking: a slow client ("slowloris") then costs a pollfd, not one of the max_connections
// threads, and a request that arrives promptly finds a thread free. Against floods of such
// connections the waiting set is bounded (max_waiting_connections, max_connections_per_ip) and
// a newcomer evicts the connection that has waited longest, which a client sending whole
// requests promptly never is; heads must arrive within head_timeout and bodies at min_body_rate.
// The poller also wakes on a pipe so that stop() and handed-back connections act at once.
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
  // Connections with a request in progress.
  int active_connections() const { return static_cast<int>(counters_->busy.load()); }
  const HttpCounters& counters() const { return *counters_; }

 private:
  // A connection with no request in progress, held by the poller.
  struct Waiting {
    int fd = -1;
    std::string peer;  // client address: the key of connections_per_ip_
    HttpRequestParser parser;
    std::chrono::steady_clock::time_point since;     // began to wait: the eviction order
    std::chrono::steady_clock::time_point deadline;  // for its head (idle: its first byte)
    bool served = false;                             // a request head arrived on it before
  };
  // A thread serving requests of one connection until it waits for a next one again.
  struct Worker {
    int fd = -1;  // -1 once the connection was handed back or closed
    std::thread thread;
    std::atomic<bool> done{false};
  };
  // Answered and half-closed; read until the peer closes or time is up. It no longer holds a
  // place in connections_per_ip_: an address's answered connections do not lock it out.
  struct Lingering {
    int fd;
    std::chrono::steady_clock::time_point deadline;
  };
  struct PollState {
    std::vector<Waiting> waiting;
    std::vector<Lingering> lingering;
  };

  void poll_loop();
  void poll_once(PollState& state);
  void accept_new(PollState& state);
  bool evict_longest_waiting(PollState& state, const std::string* peer);
  void read_head(PollState& state, Waiting& c);
  void dispatch(PollState& state, Waiting& c);
  void answer_and_linger(PollState& state, Waiting& c, const HttpResponse& response);
  void linger(PollState& state, int fd);
  void expire(PollState& state, Waiting& c);
  void close_waiting(Waiting& c, bool timed_out);
  bool start_worker(Waiting& connection);  // false: no room or no thread
  bool run_requests(Waiting& connection);   // true: keep the connection alive
  void finish_worker(Worker& worker, Waiting connection, bool keep_alive);
  void release(int fd, const std::string& peer);  // closes, frees its per-address place
  void forget_peer(const std::string& peer);      // frees a per-address place
  void reap_finished_workers();

  HttpServerOptions options_;
  HttpHandler handler_;
  std::shared_ptr<HttpCounters> counters_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread poll_thread_;
  std::mutex mutex_;  // guards everything below
  std::list<std::unique_ptr<Worker>> workers_;
  std::vector<Waiting> handed_back_;
  std::map<std::string, int> connections_per_ip_;
};

}  // namespace r1::server
