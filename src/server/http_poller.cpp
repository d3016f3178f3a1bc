// The HTTP server's poller thread: accepts connections, reads request heads of every connection
// that has no request in progress without blocking, enforces the head and idle deadlines and
// the bounds on waiting connections (evicting the one that waited longest), and hands each
// complete head to a request thread (http_server.cpp).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "server/api_error.h"
#include "server/http_server.h"
#include "server/socket_io.h"

namespace r1::server {

namespace {

// Answered connections read out for at most this long, and at most this many at once (more
// are closed at once: under a flood, a reset is better than a stalled poller).
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kMaxLingering = 256;

void configure_connection(int fd, std::chrono::milliseconds io_timeout) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // stream tokens without delay
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(io_timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(io_timeout.count() % 1000 * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A small response to a socket whose send buffer is empty: never blocks the poller.
void send_now(int fd, const HttpResponse& response) {
  const std::string bytes = serialize_response(response, false);
  if (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
    // The client is gone or not reading; the connection is closed either way.
  }
}

}  // namespace

void HttpServer::poll_loop() {
  PollState state;
  while (!stopping_) poll_once(state);
  for (Waiting& c : state.waiting) release(c.fd, c.peer);
  for (const Lingering& l : state.lingering) ::close(l.fd);
  counters_->waiting = 0;
}

void HttpServer::poll_once(PollState& state) {
  std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
  Clock::time_point next = Clock::now() + std::chrono::seconds(1);
  for (const Waiting& c : state.waiting) {
    fds.push_back({c.fd, POLLIN, 0});
    next = std::min(next, c.deadline);
  }
  for (const Lingering& l : state.lingering) {
    fds.push_back({l.fd, POLLIN, 0});
    next = std::min(next, l.deadline);
  }
  if (::poll(fds.data(), fds.size(), remaining_ms(next)) < 0 && errno != EINTR) return;
  if (stopping_) return;
  char drain[64];
  while (::read(wake_pipe_[0], drain, sizeof drain) > 0) {
  }
  reap_finished_workers();
  const size_t waiting = state.waiting.size();  // those polled; handed-back ones join after
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Waiting& c : handed_back_) state.waiting.push_back(std::move(c));
    handed_back_.clear();
  }
  counters_->waiting = static_cast<int64_t>(state.waiting.size());
  const Clock::time_point now = Clock::now();
  for (size_t i = 0; i < state.waiting.size(); ++i) {
    Waiting& c = state.waiting[i];
    if (i < waiting && fds[2 + i].revents) read_head(state, c);
    if (c.fd >= 0 && now >= c.deadline) expire(state, c);
  }
  for (size_t j = 0; j < state.lingering.size() && 2 + waiting + j < fds.size(); ++j) {
    Lingering& l = state.lingering[j];
    char buf[4096];
    const bool ended = (fds[2 + waiting + j].revents &&
                        ::recv(l.fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) ||
                       now >= l.deadline;
    if (!ended) continue;
    ::close(l.fd);
    l.fd = -1;
  }
  std::erase_if(state.waiting, [](const Waiting& c) { return c.fd < 0; });
  std::erase_if(state.lingering, [](const Lingering& l) { return l.fd < 0; });
  if (fds[0].revents & POLLIN) accept_new(state);
  counters_->waiting = static_cast<int64_t>(state.waiting.size());
}

void HttpServer::accept_new(PollState& state) {
  for (int accepted = 0; accepted < 64 && !stopping_; ++accepted) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;  // backlog empty, or out of descriptors: the next round tries again
    ++counters_->accepted;
    configure_connection(fd, options_.io_timeout);
    Waiting c;
    c.fd = fd;
    c.peer = peer_address(fd);
    c.parser = HttpRequestParser(options_.limits);
    c.since = Clock::now();
    c.deadline = c.since + options_.head_timeout;
    int from_peer = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (const auto it = connections_per_ip_.find(c.peer); it != connections_per_ip_.end())
        from_peer = it->second;
    }
    const bool room = from_peer >= options_.max_connections_per_ip
                          ? evict_longest_waiting(state, &c.peer)
                      : static_cast<int>(state.waiting.size()) >= options_.max_waiting_connections
                          ? evict_longest_waiting(state, nullptr)
                          : true;
    if (!room) {
      ++counters_->refused;
      ++counters_->without_request;
      const ApiError error = overloaded(
          from_peer >= options_.max_connections_per_ip
              ? "this client address has " + std::to_string(from_peer) +
                    " connections open, all with a request in progress; retry later"
              : "the server cannot take more connections; retry later");
      counters_->count_response(503);
      send_now(fd, error.to_response());
      linger(state, fd);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++connections_per_ip_[c.peer];
    }
    state.waiting.push_back(std::move(c));
  }
}

// Closes the waiting connection (of this peer, when given) that has waited longest: a client
// that sends its requests promptly is never waiting for long, so it is an abandoned keep-alive
// connection or a slow client that goes. False when there is none.
bool HttpServer::evict_longest_waiting(PollState& state, const std::string* peer) {
  Waiting* oldest = nullptr;
  for (Waiting& c : state.waiting)
    if (c.fd >= 0 && (!peer || c.peer == *peer) && (!oldest || c.since < oldest->since))
      oldest = &c;
  if (!oldest) return false;
  ++counters_->evicted;
  close_waiting(*oldest, false);
  std::erase_if(state.waiting, [](const Waiting& c) { return c.fd < 0; });
  return true;
}

void HttpServer::read_head(PollState& state, Waiting& c) {
  char buf[16 * 1024];
  const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    close_waiting(c, false);
    return;
  }
  // The head deadline of a kept-alive connection runs from its next request's first byte.
  if (c.served && c.parser.idle()) c.deadline = Clock::now() + options_.head_timeout;
  c.parser.feed(std::string_view(buf, static_cast<size_t>(n)));
  if (c.parser.status() == HttpParseStatus::kError) {
    ++counters_->parse_errors;
    answer_and_linger(state, c, from_parse_error(c.parser.error()).to_response());
  } else if (c.parser.head_complete()) {
    dispatch(state, c);
  }
}

void HttpServer::dispatch(PollState& state, Waiting& c) {
  c.served = true;
  if (options_.check_head)
    if (const std::optional<HttpResponse> refusal = options_.check_head(c.parser.head())) {
      answer_and_linger(state, c, *refusal);
      return;
    }
  if (start_worker(c)) return;
  ++counters_->refused;
  answer_and_linger(state, c,
                    overloaded("the server is at its limit of " +
                               std::to_string(options_.max_connections) +
                               " requests in progress; retry later")
                        .to_response());
}

// Half-closes an answered connection and reads it out until the peer closes (see
// linger_close), without blocking the poller.
void HttpServer::linger(PollState& state, int fd) {
  ::shutdown(fd, SHUT_WR);
  if (state.lingering.size() < kMaxLingering)
    state.lingering.push_back({fd, Clock::now() + kLingerTime});
  else
    ::close(fd);
}

void HttpServer::answer_and_linger(PollState& state, Waiting& c, const HttpResponse& response) {
  counters_->count_response(response.status);
  if (!c.served) ++counters_->without_request;
  send_now(c.fd, response);
  forget_peer(c.peer);
  linger(state, c.fd);
  c.fd = -1;
}

// The head (or, kept alive, the next request's first byte) did not arrive in time: a partial
// head is answered 408, an idle connection just closed.
void HttpServer::expire(PollState& state, Waiting& c) {
  if (c.parser.idle()) {
    close_waiting(c, !c.served);
    return;
  }
  ++counters_->timed_out;
  answer_and_linger(state, c,
                    ApiError(408, "invalid_request_error",
                             "the request head did not arrive within " +
                                 std::to_string(options_.head_timeout.count()) + " ms")
                        .to_response());
}

void HttpServer::close_waiting(Waiting& c, bool timed_out) {
  if (timed_out) ++counters_->timed_out;
  if (!c.served) ++counters_->without_request;
  release(c.fd, c.peer);
  c.fd = -1;
}

}  // namespace r1::server
