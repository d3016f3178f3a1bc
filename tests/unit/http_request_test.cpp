// The incremental HTTP request parser: any split of the bytes gives the same result, pipelining,
// chunked bodies, keep-alive, and each limit and malformation with its status.
#include "server/http_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace r1::server {
namespace {

// What a byte string parses to: the requests, then an error status (0: none) and whether the
// last request was left incomplete.
struct Outcome {
  std::vector<std::string> requests;  // method target version body keep-alive, one string each
  int error_status = 0;
  bool incomplete = false;
  bool operator==(const Outcome&) const = default;
};

std::string describe(const HttpRequest& r) {
  std::string s = r.method + " " + r.target + " 1." + std::to_string(r.version_minor) + " [" +
                  r.body + "] " + (r.keep_alive ? "keep" : "close");
  for (const HttpHeader& h : r.headers) s += " " + h.name + "=" + h.value;
  return s;
}

void drain(HttpRequestParser& p, Outcome& out) {
  while (p.status() == HttpParseStatus::kComplete) out.requests.push_back(describe(p.take()));
  if (p.status() == HttpParseStatus::kError) out.error_status = p.error().status;
}

Outcome parse_pieces(const std::vector<std::string_view>& pieces, const HttpLimits& limits = {}) {
  HttpRequestParser p(limits);
  Outcome out;
  for (std::string_view piece : pieces) {
    p.feed(piece);
    drain(p, out);
  }
  out.incomplete = p.status() == HttpParseStatus::kNeedMore && !p.idle();
  return out;
}

Outcome parse_whole(std::string_view bytes, const HttpLimits& limits = {}) {
  return parse_pieces({bytes}, limits);
}

HttpRequest parse_one(std::string_view bytes) {
  HttpRequestParser p;
  EXPECT_EQ(p.feed(bytes), HttpParseStatus::kComplete) << p.error().message;
  return p.take();
}

const char* kRequests[] = {
    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /v1/models?x=1 HTTP/1.0\r\n\r\n",
    "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 11\r\nContent-Type: application/json"
    "\r\n\r\n{\"a\": true}",
    "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n"
    "0\r\nX-Trailer: t\r\n\r\n",
    "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz"
    "\r\nGET /c HTTP/1.1\n\n",
    "GET / HTTP/1.1\nlf-only: yes\n\n",
    "GET / HTTP/2.0\r\n\r\n",
    "GET / HTTP/1.1\r\nbad header\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
    "POST /partial HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
};

TEST(HttpRequestParser, EverySplitGivesTheSameResult) {
  for (std::string_view bytes : kRequests) {
    const Outcome whole = parse_whole(bytes);
    for (size_t cut = 0; cut <= bytes.size(); ++cut)
      EXPECT_EQ(parse_pieces({bytes.substr(0, cut), bytes.substr(cut)}), whole)
          << "cut at " << cut << " of " << bytes;
    std::vector<std::string_view> single_bytes;
    for (size_t i = 0; i < bytes.size(); ++i) single_bytes.push_back(bytes.substr(i, 1));
    EXPECT_EQ(parse_pieces(single_bytes), whole) << "byte by byte: " << bytes;
  }
}

TEST(HttpRequestParser, RequestLineHeadersAndBody) {
  const HttpRequest r = parse_one(
      "POST /v1/chat/completions?stream=1 HTTP/1.1\r\nHOST:  localhost \r\n"
      "content-length: 4\r\nX-Empty:\r\n\r\nbody");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/chat/completions?stream=1");
  EXPECT_EQ(r.path(), "/v1/chat/completions");
  EXPECT_EQ(r.version_minor, 1);
  ASSERT_NE(r.header("host"), nullptr);
  EXPECT_EQ(*r.header("Host"), "localhost");
  EXPECT_EQ(*r.header("x-empty"), "");
  EXPECT_EQ(r.header("missing"), nullptr);
  EXPECT_EQ(r.body, "body");
}

TEST(HttpRequestParser, PipelinedRequestsStayBuffered) {
  HttpRequestParser p;
  ASSERT_EQ(p.feed("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HT"),
            HttpParseStatus::kComplete);
  EXPECT_EQ(p.take().target, "/1");
  ASSERT_EQ(p.status(), HttpParseStatus::kComplete);
  EXPECT_EQ(p.take().target, "/2");
  EXPECT_EQ(p.status(), HttpParseStatus::kNeedMore);
  EXPECT_FALSE(p.idle());
  ASSERT_EQ(p.feed("TP/1.1\r\n\r\n"), HttpParseStatus::kComplete);
  EXPECT_EQ(p.take().target, "/3");
  EXPECT_TRUE(p.idle());
}

TEST(HttpRequestParser, ChunkedBodyIsDecoded) {
  const HttpRequest r = parse_one(
      "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n4\r\n{\"a\"\r\n9 ; name=value\r\n"
      ": [1, 2]}\r\n0\r\nTrailer-One: 1\r\n\r\n");
  EXPECT_EQ(r.body, "{\"a\": [1, 2]}");
  EXPECT_EQ(r.header("Trailer-One"), nullptr);  // trailers are read, not merged into headers
}

TEST(HttpRequestParser, KeepAliveFollowsVersionAndConnectionHeader) {
  EXPECT_TRUE(parse_one("GET / HTTP/1.1\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse_one("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
}

TEST(HttpRequestParser, ExpectContinueIsReportedUntilTheBodyArrives) {
  HttpRequestParser p;
  p.feed("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_TRUE(p.expects_continue());
  p.feed("ok");
  EXPECT_FALSE(p.expects_continue());
  EXPECT_EQ(p.take().body, "ok");
}

struct BadCase {
  const char* bytes;
  int status;
  const char* message_part;
};

TEST(HttpRequestParser, MalformedRequestsMapToTheirStatus) {
  const BadCase cases[] = {
      {"GET /\r\n\r\n", 400, "malformed request line"},
      {"GET  / HTTP/1.1\r\n\r\n", 400, "malformed request line"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "malformed method"},
      {"GET / HTTP/1.1 x\r\n\r\n", 400, "malformed request line"},
      {"GET / HTTX/1.1\r\n\r\n", 400, "malformed HTTP version"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "HTTP/1.0 or HTTP/1.1"},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "has no ':'"},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "malformed header name"},
      {"GET / HTTP/1.1\r\n: x\r\n\r\n", 400, "malformed header name"},
      {"GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400, "obsolete line folding"},
      {"GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n", 400, "control character"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length '-1'"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400,
       "not a non-negative integer"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, "conflicting"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       "both Transfer-Encoding and Content-Length"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "expected 'chunked'"},
      {"POST / HTTP/1.1\r\n\r\n", 411, "without Content-Length"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400, "malformed chunk size"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400, "malformed chunk size"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400,
       "not followed by CRLF"},
      {"GET / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 413, "exceeds the limit"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n", 413,
       "exceeds the limit"},
  };
  for (const BadCase& c : cases) {
    HttpRequestParser p;
    ASSERT_EQ(p.feed(c.bytes), HttpParseStatus::kError) << c.bytes;
    EXPECT_EQ(p.error().status, c.status) << c.bytes;
    EXPECT_NE(p.error().message.find(c.message_part), std::string::npos)
        << c.bytes << " -> " << p.error().message;
    EXPECT_EQ(p.feed("GET / HTTP/1.1\r\n\r\n"), HttpParseStatus::kError);  // stays failed
  }
}

TEST(HttpRequestParser, LimitsAreEnforced) {
  HttpLimits limits;
  limits.max_header_bytes = 64;
  limits.max_header_count = 3;
  limits.max_body_bytes = 10;
  const std::string long_header = "GET / HTTP/1.1\r\nX: " + std::string(60, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse_whole(long_header, limits).error_status, 431);
  EXPECT_EQ(parse_whole(std::string(100, 'G'), limits).error_status, 431);  // no newline at all
  EXPECT_EQ(
      parse_whole("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits).error_status,
      431);
  EXPECT_EQ(parse_whole("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits).error_status, 413);
  EXPECT_EQ(parse_whole("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits)
                .requests.size(),
            1u);
  EXPECT_EQ(parse_whole("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n"
                        "5\r\nghijk\r\n",
                        limits)
                .error_status,
            413);
  const std::string long_chunk_line =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(2000, 'x');
  EXPECT_EQ(parse_whole(long_chunk_line, limits).error_status, 400);
}

TEST(HttpRequestParser, LeadingEmptyLinesAreIgnored) {
  EXPECT_EQ(parse_one("\r\n\r\nGET /x HTTP/1.1\r\n\r\n").target, "/x");
}

}  // namespace
}  // namespace r1::server
