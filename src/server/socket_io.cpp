// Socket helpers: sending with EINTR and timeouts handled, deadlines for poll(), peer names.
#include "server/socket_io.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace r1::server {

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

std::string peer_address(int fd) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return "";
  char text[INET6_ADDRSTRLEN] = "";
  const void* address = peer.ss_family == AF_INET6
                            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr)
                            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&peer)->sin_addr);
  return ::inet_ntop(peer.ss_family, address, text, sizeof text) ? text : "";
}

}  // namespace r1::server
