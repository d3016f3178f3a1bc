// An incremental HTTP/1.1 request parser: bytes are fed as they arrive from the socket, and a
// request (line, headers, Content-Length or chunked body) comes out once it is complete.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace r1::server {

// Bounds on what one request may make the server buffer.
struct HttpLimits {
  size_t max_header_bytes = 16 * 1024;      // request line + headers (+ chunked trailers)
  size_t max_header_count = 100;            // header lines (+ trailer lines)
  size_t max_body_bytes = 8 * 1024 * 1024;  // decoded body
};

struct HttpHeader {
  std::string name;   // as sent; compared case-insensitively
  std::string value;  // leading and trailing spaces/tabs trimmed
};

struct HttpRequest {
  std::string method;     // "GET", "POST", ... (case-sensitive, as HTTP defines it)
  std::string target;     // "/v1/chat/completions?x=1"
  int version_minor = 1;  // HTTP/1.0 or HTTP/1.1
  std::vector<HttpHeader> headers;
  std::string body;        // decoded (chunked framing removed)
  bool keep_alive = true;  // whether the connection stays open after the response

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // The target without its query string.
  std::string_view path() const;
};

// Why a request was rejected: the HTTP status it maps to and a one-line message.
struct HttpParseError {
  int status = 400;
  std::string message;
};

enum class HttpParseStatus { kNeedMore, kComplete, kError };

// Case-insensitive ASCII comparison (header names, tokens such as "chunked").
bool equals_ignore_case(std::string_view a, std::string_view b);

class HttpRequestParser {
 public:
  explicit HttpRequestParser(const HttpLimits& limits = {});

  // Appends bytes and parses as far as they allow. After kComplete, call take(); after kError
  // the connection cannot be resynchronised and should be answered and closed.
  HttpParseStatus feed(std::string_view bytes);
  HttpParseStatus status() const { return status_; }
  const HttpParseError& error() const { return error_; }

  // Moves out the complete request and starts on the next one with the bytes already buffered
  // after it (pipelining); status() then tells whether that one is complete too.
  HttpRequest take();

  // The head asked for "Expect: 100-continue" and the body has not fully arrived: the server
  // should send an interim "100 Continue" once.
  bool expects_continue() const;
  // No byte of a next request has arrived yet (an idle keep-alive connection).
  bool idle() const { return buffer_.size() == pos_ && phase_ == Phase::kHead; }
  // The request line and headers are parsed (the body may still be arriving): head() holds
  // them, so that a server can refuse a request (API key, capacity) before reading its body.
  bool head_complete() const { return status_ != HttpParseStatus::kError && phase_ != Phase::kHead; }
  const HttpRequest& head() const { return request_; }

 private:
  enum class Phase { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailers, kDone };

  void advance();
  bool fail(int status, std::string message);
  bool read_line(std::string_view& line);  // false: no complete line yet (or failed)
  bool parse_head();
  bool parse_request_line(std::string_view line);
  bool parse_header_line(std::string_view line, bool trailer);
  bool choose_body_framing();
  bool parse_chunk_size(std::string_view line);

  HttpLimits limits_;
  std::string buffer_;  // received bytes; [0, pos_) belong to the current request
  size_t pos_ = 0;
  size_t head_bytes_ = 0;      // head (and trailer) bytes consumed so far
  size_t header_lines_ = 0;    // header (and trailer) lines so far
  size_t body_remaining_ = 0;  // Content-Length or current chunk bytes still to read
  bool saw_request_line_ = false;
  Phase phase_ = Phase::kHead;
  HttpParseStatus status_ = HttpParseStatus::kNeedMore;
  HttpParseError error_;
  HttpRequest request_;
};

}  // namespace r1::server
