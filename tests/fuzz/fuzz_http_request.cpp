// libFuzzer target: arbitrary bytes fed to the HTTP request parser in two pieces (split at the
// first byte's value), then each complete request's body validated as a chat and as a
// completions request. Only ApiError may escape the validators; the parser throws nothing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/api_error.h"
#include "server/chat_request.h"
#include "server/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t cut = size == 0 ? 0 : data[0] % size;
  r1::server::HttpLimits limits;
  limits.max_body_bytes = 64 * 1024;
  r1::server::HttpRequestParser parser(limits);
  for (std::string_view piece : {bytes.substr(0, cut), bytes.substr(cut)}) {
    parser.feed(piece);
    while (parser.status() == r1::server::HttpParseStatus::kComplete) {
      const r1::server::HttpRequest request = parser.take();
      try {
        r1::server::parse_chat_request(request.body);
      } catch (const r1::server::ApiError&) {
      }
      try {
        r1::server::parse_completion_request(request.body);
      } catch (const r1::server::ApiError&) {
      }
    }
  }
  return 0;
}
