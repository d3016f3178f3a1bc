// The HTTP server's lifetime (listen, stop) and its request threads: reading a request's body
// at a minimum rate, calling the handler, counting the answer, then handing the connection
// back to the poller (http_poller.cpp) or closing it.
#include "server/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.h"
#include "server/api_error.h"
#include "server/socket_io.h"

namespace r1::server {

namespace {

std::string endpoint(const std::string& host, int port) {
  return host + ":" + std::to_string(port);
}

enum class BodyOutcome { kComplete, kParseError, kTooSlow, kGone };

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      counters_(options_.counters ? options_.counters : std::make_shared<HttpCounters>()) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string where = endpoint(options_.host, options_.port);
  if (const int rc = ::getaddrinfo(options_.host.c_str(), std::to_string(options_.port).c_str(),
                                   &hints, &found);
      rc != 0)
    throw IoError("cannot resolve host " + where + ": " + ::gai_strerror(rc));
  std::string failure = "no address";
  for (addrinfo* a = found; a && listen_fd_ < 0; a = a->ai_next) {
    // Non-blocking: the poller accepts until the backlog is empty.
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    const int one = 1;
    if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd >= 0 && ::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 128) == 0) {
      listen_fd_ = fd;
    } else {
      failure = std::strerror(errno);
      if (fd >= 0) ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) throw IoError("cannot listen on " + where + ": " + failure);
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw IoError("cannot create the server's wake-up pipe: " + std::string(std::strerror(errno)));
  }
  poll_thread_ = std::thread([this] { poll_loop(); });
}

void HttpServer::stop() {
  stopping_ = true;
  if (wake_pipe_[1] >= 0 && ::write(wake_pipe_[1], "x", 1) < 0) {
    // The poller also wakes once a second to check stopping_.
  }
  if (poll_thread_.joinable()) poll_thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& w : workers_)
      if (w->fd >= 0) ::shutdown(w->fd, SHUT_RDWR);
  }
  // Workers finishing now take mutex_ to close their connection, so join without holding it.
  for (const auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  workers_.clear();
  for (Waiting& c : handed_back_) release(c.fd, c.peer);
  handed_back_.clear();
  for (int* fd : {&listen_fd_, &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void HttpServer::forget_peer(const std::string& peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (const auto it = connections_per_ip_.find(peer); it != connections_per_ip_.end())
    if (--it->second <= 0) connections_per_ip_.erase(it);
}

void HttpServer::release(int fd, const std::string& peer) {
  forget_peer(peer);
  ::close(fd);
}

void HttpServer::reap_finished_workers() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!(*it)->done) {
      ++it;
      continue;
    }
    (*it)->thread.join();
    it = workers_.erase(it);
  }
}

bool HttpServer::start_worker(Waiting& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (counters_->busy >= options_.max_connections) return false;
  Worker& worker = *workers_.emplace_back(std::make_unique<Worker>());
  worker.fd = connection.fd;
  auto held = std::make_shared<Waiting>(std::move(connection));
  ++counters_->busy;
  try {
    worker.thread = std::thread([this, &worker, held] {
      const bool keep_alive = run_requests(*held);
      finish_worker(worker, std::move(*held), keep_alive);
    });
  } catch (const std::system_error&) {  // no thread to be had: answered as if full
    --counters_->busy;
    connection = std::move(*held);
    workers_.pop_back();
    return false;
  }
  connection.fd = -1;
  return true;
}

void HttpServer::finish_worker(Worker& worker, Waiting connection, bool keep_alive) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    worker.fd = -1;
    --counters_->busy;
    if (keep_alive && !stopping_) {
      connection.since = Clock::now();
      connection.deadline = connection.since + (connection.parser.idle() ? options_.idle_timeout
                                                                         : options_.head_timeout);
      handed_back_.push_back(std::move(connection));
      connection.fd = -1;
    }
  }
  if (connection.fd >= 0) {
    release(connection.fd, connection.peer);
  } else if (::write(wake_pipe_[1], "x", 1) < 0) {
    // A full pipe already wakes the poller.
  }
  worker.done = true;
}

namespace {

// Reads the rest of a request whose head has arrived. After body_grace the bytes received must
// keep up with min_body_rate on average, so a client trickling a body cannot hold a thread.
BodyOutcome read_body(int fd, HttpRequestParser& parser, const HttpServerOptions& options,
                      const std::atomic<bool>& stopping) {
  const Clock::time_point start = Clock::now();
  int64_t received = 0;
  bool sent_continue = false;
  char buf[16 * 1024];
  while (parser.status() == HttpParseStatus::kNeedMore) {
    if (stopping) return BodyOutcome::kGone;
    if (parser.expects_continue() && !sent_continue) {
      sent_continue = true;
      if (!send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n")) return BodyOutcome::kGone;
    }
    Clock::time_point deadline = start + options.body_grace;
    if (options.min_body_rate > 0)
      deadline += std::chrono::milliseconds(received * 1000 / options.min_body_rate);
    else
      deadline = Clock::time_point::max();
    const int wait = remaining_ms(deadline);
    if (wait == 0) return BodyOutcome::kTooSlow;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, std::min(wait, 1000)) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return BodyOutcome::kGone;
    received += n;
    parser.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
  return parser.status() == HttpParseStatus::kError ? BodyOutcome::kParseError
                                                    : BodyOutcome::kComplete;
}

}  // namespace

// Serves the request whose head the poller read, and any pipelined after it whose heads are
// already here. True when the connection stays open for a next request.
bool HttpServer::run_requests(Waiting& c) {
  while (!stopping_) {
    const BodyOutcome body = read_body(c.fd, c.parser, options_, stopping_);
    if (body == BodyOutcome::kGone) return false;
    if (body != BodyOutcome::kComplete) {
      const ApiError error =
          body == BodyOutcome::kTooSlow
              ? ApiError(408, "invalid_request_error",
                         "the request body arrived slower than " +
                             std::to_string(options_.min_body_rate) + " bytes/s")
              : from_parse_error(c.parser.error());
      ++(body == BodyOutcome::kTooSlow ? counters_->timed_out : counters_->parse_errors);
      counters_->count_response(error.status());
      send_all(c.fd, serialize_response(error.to_response(), false));
      linger_close(c.fd, 1000);
      return false;
    }
    const HttpRequest request = c.parser.take();
    ResponseWriter writer(c.fd, request, stopping_);
    try {
      handler_(request, writer);
    } catch (const ApiError& e) {
      writer.respond_error(e);
    } catch (const std::exception& e) {
      writer.respond_error(server_error(std::string("internal error: ") + e.what()));
    } catch (...) {
      writer.respond_error(server_error("internal error"));
    }
    if (!writer.started()) writer.respond_error(server_error("the handler sent no response"));
    counters_->count_response(writer.counted_status());
    if (!writer.keep_alive()) {
      linger_close(c.fd, 1000);
      return false;
    }
    if (!c.parser.head_complete()) return true;
    if (options_.check_head) {
      if (const std::optional<HttpResponse> refusal = options_.check_head(c.parser.head())) {
        counters_->count_response(refusal->status);
        send_all(c.fd, serialize_response(*refusal, false));
        linger_close(c.fd, 1000);
        return false;
      }
    }
  }
  return false;
}

}  // namespace r1::server
