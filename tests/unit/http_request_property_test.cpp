// Property test of the request path: random and mutated requests, fed in random pieces, never
// crash and always end as a request (whose body then validates or is a 400) or a 4xx/5xx error.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "server/api_error.h"
#include "server/chat_request.h"
#include "server/http_request.h"

namespace r1::server {
namespace {

const std::string kSeeds[] = {
    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 58\r\n\r\n"
    R"({"messages": [{"role": "user", "content": "hi"}], "n": 2})",
    "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    "10\r\n{\"prompt\": \"abc\"\r\n1\r\n}\r\n0\r\n\r\n",
    "GET /v1/models HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.1\r\n\r\n",
};

std::string mutate(std::string s, std::mt19937& rng) {
  const char kInteresting[] = "\r\n: ;{}[]\"0aF\x00\xff";
  const int edits = std::uniform_int_distribution<int>(1, 8)(rng);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t at = std::uniform_int_distribution<size_t>(0, s.size() - 1)(rng);
    const char c = std::uniform_int_distribution<int>(0, 3)(rng) == 0
                       ? static_cast<char>(rng())
                       : kInteresting[rng() % (sizeof kInteresting - 1)];
    switch (rng() % 4) {
      case 0:
        s[at] = c;
        break;
      case 1:
        s.insert(at, 1, c);
        break;
      case 2:
        s.erase(at, 1);
        break;
      default:
        s.resize(at);
        break;
    }
  }
  return s;
}

TEST(HttpRequestProperty, MutatedRequestsEndAsRequestsOrErrors) {
  const std::set<int> statuses = {400, 411, 413, 431, 501, 505};
  std::mt19937 rng(1234);
  HttpLimits limits;
  limits.max_header_bytes = 256;
  limits.max_body_bytes = 128;
  int requests = 0, errors = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    const std::string bytes = mutate(kSeeds[iteration % std::size(kSeeds)], rng);
    HttpRequestParser parser(limits);
    for (size_t pos = 0; pos < bytes.size();) {
      const size_t piece = std::uniform_int_distribution<size_t>(1, 16)(rng);
      parser.feed(std::string_view(bytes).substr(pos, piece));
      pos += piece;
      while (parser.status() == HttpParseStatus::kComplete) {
        const HttpRequest request = parser.take();
        ++requests;
        EXPECT_LE(request.body.size(), limits.max_body_bytes);
        try {
          parse_chat_request(request.body);
        } catch (const ApiError& e) {
          EXPECT_EQ(e.status(), 400);
        }
      }
    }
    if (parser.status() == HttpParseStatus::kError) {
      ++errors;
      EXPECT_TRUE(statuses.count(parser.error().status)) << parser.error().status;
      EXPECT_FALSE(parser.error().message.empty());
      EXPECT_EQ(parser.error().message.find('\n'), std::string::npos);
    }
  }
  EXPECT_GT(requests, 1000);  // the mutations leave many requests intact enough to parse
  EXPECT_GT(errors, 1000);
}

TEST(HttpRequestProperty, RandomBytesNeverCrash) {
  std::mt19937 rng(99);
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string bytes(std::uniform_int_distribution<size_t>(0, 300)(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    HttpRequestParser parser;
    parser.feed(bytes);
    if (parser.status() == HttpParseStatus::kError) {
      EXPECT_GE(parser.error().status, 400);
    }
  }
}

}  // namespace
}  // namespace r1::server
