// The HTTP server's sockets and threads: accepting, the per-connection request loop (read with
// a deadline, parse, call the handler, keep-alive), and the response writer handlers use.
#include "server/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.h"
#include "server/api_error.h"

namespace r1::server {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1'000'000));
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // peer gone, or SO_SNDTIMEO expired on a client not reading
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Half-closes and reads until the peer closes too (or `ms` pass), so that unread request bytes
// do not make the kernel reset the connection before the client has read our response.
void linger_close(int fd, int ms) {
  ::shutdown(fd, SHUT_WR);
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(ms);
  char buf[4096];
  for (int wait = ms; wait > 0; wait = remaining_ms(deadline)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, wait) <= 0) return;
    if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
  }
}

void configure_connection(int fd, std::chrono::milliseconds io_timeout) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // stream tokens without delay
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(io_timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(io_timeout.count() % 1000 * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string endpoint(const std::string& host, int port) {
  return host + ":" + std::to_string(port);
}

}  // namespace

// ---- ResponseWriter ----

ResponseWriter::ResponseWriter(int fd, const HttpRequest& request,
                               const std::atomic<bool>& stopping)
    : fd_(fd),
      stopping_(stopping),
      keep_alive_(request.keep_alive),
      http10_(request.version_minor == 0) {}

bool ResponseWriter::write_all(std::string_view bytes) {
  if (stopping_ || (!gone_ && !send_all(fd_, bytes))) gone_ = true;
  return !gone_;
}

bool ResponseWriter::respond(const HttpResponse& response) {
  if (started_) return false;
  started_ = true;
  return write_all(serialize_response(response, keep_alive_));
}

bool ResponseWriter::respond_error(const ApiError& error) {
  return respond(error.to_response());
}

bool ResponseWriter::begin_events() {
  if (started_) return false;
  started_ = true;
  sse_.emplace([this](std::string_view bytes) { return write_all(bytes); },
               http10_ ? StreamFraming::kUntilClose : StreamFraming::kChunked, keep_alive_);
  return sse_->begin();
}

bool ResponseWriter::send_event(std::string_view data) {
  return sse_ && !client_gone() && sse_->send(data);
}

bool ResponseWriter::finish_events() {
  return sse_ && sse_->finish();
}

bool ResponseWriter::client_gone() {
  if (gone_ || stopping_) return gone_ = true;
  pollfd p{fd_, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return gone_ = true;
  // Readable without a hang-up: either a pipelined next request (still here) or an EOF.
  char byte;
  const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) gone_ = true;
  return gone_;
}

bool ResponseWriter::keep_alive() const {
  // An unfinished event stream cannot be delimited any more, and HTTP/1.0 streams end by close.
  const bool stream_done = !sse_ || (sse_->finished() && !http10_);
  return keep_alive_ && started_ && !gone_ && stream_done;
}

// ---- HttpServer ----

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

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
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
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
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw IoError("cannot create the server's wake-up pipe: " + std::string(std::strerror(errno)));
  }
  accept_thread_ = std::thread([this] { accept_loop(); });
}

void HttpServer::stop() {
  stopping_ = true;
  if (wake_pipe_[1] >= 0 && ::write(wake_pipe_[1], "x", 1) < 0) {
    // The accept loop also wakes once a second to check stopping_.
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  std::lock_guard<std::mutex> lock(connections_mutex_);
  for (const auto& c : connections_) ::shutdown(c->fd, SHUT_RDWR);
  for (const auto& c : connections_) {
    if (c->thread.joinable()) c->thread.join();
    ::close(c->fd);
  }
  connections_.clear();
  for (int* fd : {&listen_fd_, &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void HttpServer::reap_finished_connections() {
  std::lock_guard<std::mutex> lock(connections_mutex_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (!(*it)->done) {
      ++it;
      continue;
    }
    (*it)->thread.join();
    ::close((*it)->fd);
    it = connections_.erase(it);
  }
}

void HttpServer::accept_loop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    const int ready = ::poll(fds, 2, 1000);
    reap_finished_connections();
    if (stopping_ || ready <= 0 || !(fds[0].revents & POLLIN)) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors or a connection reset before accept: back off instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    configure_connection(fd, options_.io_timeout);
    if (active_ >= options_.max_connections) {
      reject_overloaded(fd);
      continue;
    }
    std::lock_guard<std::mutex> lock(connections_mutex_);
    Connection& c = *connections_.emplace_back(std::make_unique<Connection>());
    c.fd = fd;
    ++active_;
    try {
      c.thread = std::thread([this, &c] {
        serve_connection(c);
        --active_;
        c.done = true;
      });
    } catch (const std::system_error&) {  // no thread to be had: answer as if full
      --active_;
      connections_.pop_back();
      reject_overloaded(fd);
    }
  }
}

void HttpServer::reject_overloaded(int fd) {
  const ApiError error =
      overloaded("the server is at its limit of " + std::to_string(options_.max_connections) +
                 " connections; retry later");
  send_all(fd, serialize_response(error.to_response(), false));
  linger_close(fd, 200);
  ::close(fd);
}

void HttpServer::serve_connection(Connection& connection) {
  const int fd = connection.fd;
  HttpRequestParser parser(options_.limits);
  char buf[16 * 1024];
  while (!stopping_) {
    const Clock::time_point deadline = Clock::now() + options_.io_timeout;
    bool sent_continue = false;
    while (parser.status() == HttpParseStatus::kNeedMore && !stopping_) {
      if (parser.expects_continue() && !sent_continue) {
        sent_continue = true;
        if (!send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n")) return;
      }
      const int wait = remaining_ms(deadline);
      if (wait == 0) {
        if (!parser.idle())
          send_all(fd, serialize_response(
                           ApiError(408, "invalid_request_error",
                                    "the request did not arrive within " +
                                        std::to_string(options_.io_timeout.count()) + " ms")
                               .to_response(),
                           false));
        linger_close(fd, 200);
        return;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, wait) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      parser.feed(std::string_view(buf, static_cast<size_t>(n)));
    }
    if (stopping_) return;
    if (parser.status() == HttpParseStatus::kError) {
      send_all(fd, serialize_response(from_parse_error(parser.error()).to_response(), false));
      linger_close(fd, 1000);
      return;
    }
    const HttpRequest request = parser.take();
    ResponseWriter writer(fd, request, stopping_);
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
    if (!writer.keep_alive()) {
      linger_close(fd, 1000);
      return;
    }
  }
}

}  // namespace r1::server
