// HTTP/1.1 response serialisation and the server-sent-events stream format.
#include "server/http_response.h"

#include <cstdio>
#include <utility>

namespace r1::server {

HttpResponse HttpResponse::json(int status, std::string body) {
  return text(status, std::move(body), "application/json");
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", std::move(content_type)});
  r.body = std::move(body);
  return r;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

namespace {

std::string status_line(int status) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) + "\r\n";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string serialize_response(const HttpResponse& response, bool keep_alive) {
  std::string out = status_line(response.status);
  for (const HttpHeader& h : response.headers) append_header(out, h.name, h.value);
  append_header(out, "Content-Length", std::to_string(response.body.size()));
  append_header(out, "Connection", keep_alive ? "keep-alive" : "close");
  out += "\r\n";
  out += response.body;
  return out;
}

SseWriter::SseWriter(Sink sink, StreamFraming framing, bool keep_alive)
    : sink_(std::move(sink)),
      framing_(framing),
      keep_alive_(keep_alive && framing == StreamFraming::kChunked) {}

bool SseWriter::begin() {
  std::string head = status_line(200);
  append_header(head, "Content-Type", "text/event-stream");
  append_header(head, "Cache-Control", "no-cache");
  if (framing_ == StreamFraming::kChunked) append_header(head, "Transfer-Encoding", "chunked");
  append_header(head, "Connection", keep_alive_ ? "keep-alive" : "close");
  head += "\r\n";
  ok_ = ok_ && sink_(head);
  return ok_;
}

bool SseWriter::write_body(std::string_view bytes) {
  if (!ok_ || finished_) return false;
  if (framing_ == StreamFraming::kUntilClose) return ok_ = sink_(bytes);
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  std::string chunk = size;
  chunk.append(bytes).append("\r\n");
  return ok_ = sink_(chunk);
}

bool SseWriter::send(std::string_view data) {
  std::string event;
  while (true) {
    const size_t newline = data.find('\n');
    event.append("data: ").append(data.substr(0, newline)).append("\n");
    if (newline == std::string_view::npos) break;
    data.remove_prefix(newline + 1);
  }
  event += "\n";
  return write_body(event);
}

bool SseWriter::finish() {
  if (!send("[DONE]")) return false;
  finished_ = true;
  if (framing_ == StreamFraming::kChunked) ok_ = sink_("0\r\n\r\n");
  return ok_;
}

}  // namespace r1::server
