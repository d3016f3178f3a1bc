// A blocking TCP client for the HTTP server tests: raw writes, and responses read back with
// Content-Length, chunked or until-close bodies.
#pragma once

#include <map>
#include <string>

namespace r1::test {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // de-chunked
};

class HttpTestClient {
 public:
  // Connects to 127.0.0.1:port, from the loopback address `source` when given ("127.0.0.2");
  // fails the test if it cannot.
  explicit HttpTestClient(int port, const char* source = nullptr);
  ~HttpTestClient();

  void send(const std::string& bytes);
  ClientResponse read_response();  // one whole response; status 0 if the connection ended
  std::string read_head();         // status line and headers, up to the blank line
  std::string read_until(const std::string& marker);  // returns everything up to and with it
  bool peer_closed(int timeout_ms);  // the server closed the connection (EOF) within the time
  void close();

 private:
  bool fill(int timeout_ms = 30000);  // reads more bytes into buffer_; false on EOF/timeout

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace r1::test
