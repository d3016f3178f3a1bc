// HTTP/1.1 request parsing (RFC 9112): request line, header fields, Content-Length and chunked
// bodies, each limit and each malformation mapped to the status a server answers it with.
#include "server/http_request.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

#include "core/error.h"

namespace r1::server {

namespace {

// A chunk-size line is a few hex digits and rarely an extension; anything longer is hostile.
constexpr size_t kMaxChunkLineBytes = 1024;

bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(c); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f on each trimmed, non-empty element of a comma-separated header value.
template <typename F>
void for_each_list_element(std::string_view value, F f) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view element = trim(value.substr(0, comma));
    if (!element.empty()) f(element);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

bool parse_decimal(std::string_view s, size_t& out) {
  if (s.empty()) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const size_t digit = static_cast<size_t>(c - '0');
    if (v > (SIZE_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_body_method(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

const std::string* HttpRequest::header(std::string_view name) const {
  for (const HttpHeader& h : headers)
    if (equals_ignore_case(h.name, name)) return &h.value;
  return nullptr;
}

std::string_view HttpRequest::path() const {
  return std::string_view(target).substr(0, target.find('?'));
}

HttpRequestParser::HttpRequestParser(const HttpLimits& limits) : limits_(limits) {}

HttpParseStatus HttpRequestParser::feed(std::string_view bytes) {
  if (status_ == HttpParseStatus::kError) return status_;
  buffer_.append(bytes);
  if (status_ == HttpParseStatus::kNeedMore) advance();
  return status_;
}

HttpRequest HttpRequestParser::take() {
  HttpRequest out = std::move(request_);
  buffer_.erase(0, pos_);
  pos_ = head_bytes_ = header_lines_ = body_remaining_ = 0;
  saw_request_line_ = false;
  phase_ = Phase::kHead;
  status_ = HttpParseStatus::kNeedMore;
  request_ = HttpRequest{};
  advance();
  return out;
}

bool HttpRequestParser::expects_continue() const {
  if (status_ != HttpParseStatus::kNeedMore || phase_ == Phase::kHead || request_.version_minor < 1)
    return false;
  const std::string* expect = request_.header("Expect");
  return expect && equals_ignore_case(*expect, "100-continue");
}

bool HttpRequestParser::fail(int status, std::string message) {
  status_ = HttpParseStatus::kError;
  error_ = {status, std::move(message)};
  return false;
}

// Reads one line ending in LF (a CR before it is dropped) from the head, a chunk-size line or
// the trailers, enforcing the byte limit of whichever is being read.
bool HttpRequestParser::read_line(std::string_view& line) {
  const bool in_chunk_framing = phase_ == Phase::kChunkSize || phase_ == Phase::kChunkDataEnd;
  const size_t newline = buffer_.find('\n', pos_);
  const size_t length = (newline == std::string::npos ? buffer_.size() : newline + 1) - pos_;
  if (in_chunk_framing && length > kMaxChunkLineBytes)
    return fail(400,
                "chunk size line longer than " + std::to_string(kMaxChunkLineBytes) + " bytes");
  if (!in_chunk_framing && head_bytes_ + length > limits_.max_header_bytes)
    return fail(431, "request header block larger than " +
                         std::to_string(limits_.max_header_bytes) + " bytes");
  if (newline == std::string::npos) return false;
  line = std::string_view(buffer_).substr(pos_, newline - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos_ = newline + 1;
  if (!in_chunk_framing) head_bytes_ += length;
  return true;
}

void HttpRequestParser::advance() {
  bool progress = true;
  while (progress && status_ == HttpParseStatus::kNeedMore) {
    std::string_view line;
    const size_t available = buffer_.size() - pos_;
    switch (phase_) {
      case Phase::kHead:
        progress = parse_head();
        break;
      case Phase::kBody:
      case Phase::kChunkData:
        progress = available >= body_remaining_;
        if (progress) {
          request_.body.append(buffer_, pos_, body_remaining_);
          pos_ += body_remaining_;
          body_remaining_ = 0;
          phase_ = phase_ == Phase::kBody ? Phase::kDone : Phase::kChunkDataEnd;
        }
        break;
      case Phase::kChunkSize:
        progress = read_line(line) && parse_chunk_size(line);
        break;
      case Phase::kChunkDataEnd:
        progress = read_line(line);
        if (progress && !line.empty()) progress = fail(400, "chunk data not followed by CRLF");
        if (progress) phase_ = Phase::kChunkSize;
        break;
      case Phase::kTrailers:
        progress = read_line(line);
        if (progress && line.empty())
          phase_ = Phase::kDone;
        else if (progress)
          progress = parse_header_line(line, true);
        break;
      case Phase::kDone:
        status_ = HttpParseStatus::kComplete;
        break;
    }
  }
}

// Reads head lines until the blank line that ends the head; false when more bytes are needed.
bool HttpRequestParser::parse_head() {
  std::string_view line;
  while (read_line(line)) {
    if (!saw_request_line_) {
      // RFC 9112 2.2: ignore empty lines before the request line (stray CRLF after a body).
      if (!line.empty() && !parse_request_line(line)) return false;
      continue;
    }
    if (line.empty()) return choose_body_framing();
    if (!parse_header_line(line, false)) return false;
  }
  return false;
}

bool HttpRequestParser::parse_request_line(std::string_view line) {
  saw_request_line_ = true;
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "malformed request line " + quote_untrusted(line) +
                         ": expected 'METHOD TARGET HTTP/1.x'");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) return fail(400, "malformed method " + quote_untrusted(method));
  const bool bad_target = target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
                            return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
                          });
  if (bad_target) return fail(400, "malformed request target " + quote_untrusted(target));
  if (version == "HTTP/1.1" || version == "HTTP/1.0") {
    request_.version_minor = version.back() - '0';
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[6] == '.' &&
             std::isdigit(static_cast<unsigned char>(version[5])) &&
             std::isdigit(static_cast<unsigned char>(version[7]))) {
    return fail(505, "HTTP version " + quote_untrusted(version) +
                         " is not supported: expected HTTP/1.0 or HTTP/1.1");
  } else {
    return fail(400, "malformed HTTP version " + quote_untrusted(version));
  }
  request_.method = method;
  request_.target = target;
  return true;
}

bool HttpRequestParser::parse_header_line(std::string_view line, bool trailer) {
  if (++header_lines_ > limits_.max_header_count)
    return fail(431, "more than " + std::to_string(limits_.max_header_count) + " header lines");
  if (line.front() == ' ' || line.front() == '\t')
    return fail(400, "header line " + quote_untrusted(line) + " starts with whitespace " +
                         "(obsolete line folding is not accepted)");
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos)
    return fail(400, "header line " + quote_untrusted(line) + " has no ':'");
  const std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return fail(400, "malformed header name " + quote_untrusted(name));
  const std::string_view value = trim(line.substr(colon + 1));
  const bool control = std::any_of(value.begin(), value.end(), [](char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
  });
  if (control)
    return fail(400, "header " + quote_untrusted(name) + " has a control character in its value");
  if (!trailer) request_.headers.push_back({std::string(name), std::string(value)});
  return true;
}

// The head is complete: decides keep-alive and how the body is delimited.
bool HttpRequestParser::choose_body_framing() {
  bool close = request_.version_minor == 0, chunked = false, has_length = false;
  size_t length = 0;
  for (const HttpHeader& h : request_.headers) {
    if (equals_ignore_case(h.name, "Connection")) {
      for_each_list_element(h.value, [&](std::string_view option) {
        if (equals_ignore_case(option, "close")) close = true;
        if (equals_ignore_case(option, "keep-alive") && request_.version_minor == 0) close = false;
      });
    } else if (equals_ignore_case(h.name, "Transfer-Encoding")) {
      if (chunked || !equals_ignore_case(h.value, "chunked"))
        return fail(501, "Transfer-Encoding " + quote_untrusted(h.value) +
                             " is not supported: expected 'chunked'");
      chunked = true;
    } else if (equals_ignore_case(h.name, "Content-Length")) {
      size_t value = 0;
      if (!parse_decimal(h.value, value))
        return fail(
            400, "Content-Length " + quote_untrusted(h.value) + " is not a non-negative integer");
      if (has_length && value != length) return fail(400, "conflicting Content-Length headers");
      has_length = true;
      length = value;
    }
  }
  request_.keep_alive = !close;
  if (chunked && has_length)
    return fail(400, "both Transfer-Encoding and Content-Length given: expected one of them");
  if (chunked) {
    phase_ = Phase::kChunkSize;
  } else if (has_length) {
    if (length > limits_.max_body_bytes)
      return fail(413, "request body of " + std::to_string(length) +
                           " bytes exceeds the limit of " + std::to_string(limits_.max_body_bytes) +
                           " bytes");
    body_remaining_ = length;
    phase_ = Phase::kBody;
  } else if (is_body_method(request_.method)) {
    return fail(411,
                request_.method + " request without Content-Length or Transfer-Encoding: chunked");
  } else {
    phase_ = Phase::kDone;
  }
  return true;
}

bool HttpRequestParser::parse_chunk_size(std::string_view line) {
  const std::string_view digits = trim(line.substr(0, line.find(';')));
  if (digits.empty()) return fail(400, "malformed chunk size line " + quote_untrusted(line));
  const size_t room = limits_.max_body_bytes - request_.body.size();
  size_t size = 0;
  for (char c : digits) {
    const int d = hex_digit(c);
    if (d < 0) return fail(400, "malformed chunk size " + quote_untrusted(digits));
    const size_t digit = static_cast<size_t>(d);
    if (digit > room || size > (room - digit) / 16)  // size * 16 + digit > room
      return fail(413, "chunked request body exceeds the limit of " +
                           std::to_string(limits_.max_body_bytes) + " bytes");
    size = size * 16 + digit;
  }
  body_remaining_ = size;
  phase_ = size == 0 ? Phase::kTrailers : Phase::kChunkData;
  return true;
}

}  // namespace r1::server
