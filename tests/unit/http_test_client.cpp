// The HTTP server tests' client side over a real loopback socket.
#include "http_test_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace r1::test {

HttpTestClient::HttpTestClient(int port, const char* source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (source) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    EXPECT_EQ(::inet_pton(AF_INET, source, &from.sin_addr), 1) << source;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from), 0) << source;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
}

HttpTestClient::~HttpTestClient() {
  close();
}

void HttpTestClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void HttpTestClient::send(const std::string& bytes) {
  ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
}

bool HttpTestClient::fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[4096];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

std::string HttpTestClient::read_until(const std::string& marker) {
  size_t at;
  while ((at = buffer_.find(marker)) == std::string::npos)
    if (!fill()) return "";
  std::string out = buffer_.substr(0, at + marker.size());
  buffer_.erase(0, at + marker.size());
  return out;
}

std::string HttpTestClient::read_head() {
  return read_until("\r\n\r\n");
}

bool HttpTestClient::peer_closed(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[4096];
  return ::recv(fd_, buf, sizeof buf, 0) <= 0;
}

ClientResponse HttpTestClient::read_response() {
  ClientResponse r;
  std::string head = read_head();
  while (head.rfind("HTTP/1.1 100 ", 0) == 0) head = read_head();  // interim responses
  if (head.size() < 12) return r;
  r.status = std::stoi(head.substr(9, 3));
  for (size_t line = head.find("\r\n") + 2; line < head.size() - 2;) {
    const size_t end = head.find("\r\n", line);
    const size_t colon = head.find(':', line);
    std::string name = head.substr(line, colon - line);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = head.substr(colon + 2, end - colon - 2);
    line = end + 2;
  }
  if (r.headers.count("content-length")) {
    const size_t length = std::stoul(r.headers["content-length"]);
    while (buffer_.size() < length)
      if (!fill()) break;
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, r.body.size());
  } else if (r.headers.count("transfer-encoding") && r.headers["transfer-encoding"] == "chunked") {
    for (size_t size; (size = std::stoul(read_until("\r\n"), nullptr, 16)) > 0;)
      r.body += read_until("\r\n").substr(0, size);  // chunks in these tests hold no CRLF pairs
    read_until("\r\n");
  } else {
    while (fill()) {
    }
    r.body = std::move(buffer_);
    buffer_.clear();
  }
  return r;
}

}  // namespace r1::test
