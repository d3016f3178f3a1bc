// Building HTTP/1.1 responses: a whole response with a Content-Length body, and a
// server-sent-events stream (text/event-stream) over chunked encoding or until close.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_request.h"

namespace r1::server {

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;  // Content-Length and Connection are added when serialised
  std::string body;

  static HttpResponse json(int status, std::string body);  // Content-Type: application/json
  static HttpResponse text(int status, std::string body, std::string content_type);
};

// "OK", "Bad Request", ...; "Unknown" for a status without one here.
std::string_view reason_phrase(int status);

// Status line, headers, Content-Length and Connection (keep-alive or close), then the body.
std::string serialize_response(const HttpResponse& response, bool keep_alive);

// How an event stream's end is delimited: chunked keeps the connection usable afterwards
// (HTTP/1.1); until-close is what an HTTP/1.0 client understands.
enum class StreamFraming { kChunked, kUntilClose };

// Writes one event stream through `sink` (returns false once the peer is gone; every later
// call is then a no-op returning false).
class SseWriter {
 public:
  using Sink = std::function<bool(std::string_view)>;
  SseWriter(Sink sink, StreamFraming framing, bool keep_alive);

  bool begin();                      // status 200 and the event-stream headers
  bool send(std::string_view data);  // "data: <data>\n\n"; each line of data gets "data: "
  bool finish();                     // "data: [DONE]\n\n" and, if chunked, the last chunk
  bool ok() const { return ok_; }
  bool finished() const { return finished_; }

 private:
  bool write_body(std::string_view bytes);

  Sink sink_;
  StreamFraming framing_;
  bool keep_alive_;
  bool ok_ = true;
  bool finished_ = false;
};

}  // namespace r1::server
