// The ResponseWriter handlers answer through: whole responses, event streams, and detection of
// a client that went away.
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "server/api_error.h"
#include "server/http_server.h"
#include "server/socket_io.h"

namespace r1::server {

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
  status_ = response.status;
  return write_all(serialize_response(response, keep_alive_));
}

bool ResponseWriter::respond_error(const ApiError& error) {
  return respond(error.to_response());
}

bool ResponseWriter::begin_events() {
  if (started_) return false;
  started_ = true;
  status_ = 200;
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

int ResponseWriter::counted_status() const {
  const bool stream_cut = sse_ && !sse_->finished();
  return gone_ || stream_cut ? 499 : status_;
}

}  // namespace r1::server
