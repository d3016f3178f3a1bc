// Small blocking-socket helpers shared by the HTTP server's poller, its request threads and the
// response writer.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace r1::server {

using Clock = std::chrono::steady_clock;

// Milliseconds until the deadline, 0 when past (clamped for poll()).
int remaining_ms(Clock::time_point deadline);
// Sends everything; false once the peer is gone or SO_SNDTIMEO expired.
bool send_all(int fd, std::string_view bytes);
// Half-closes and reads until the peer closes too (or `ms` pass), so that unread request bytes
// do not make the kernel reset the connection before the client has read our response.
void linger_close(int fd, int ms);
// The peer's numeric address ("127.0.0.1", "::1"), or "" when it cannot be read.
std::string peer_address(int fd);

}  // namespace r1::server
