// The HTTP server against clients that hold connections without sending requests promptly
// (slowloris, from one address and from many loopback addresses, idle keep-alive connections,
// slow bodies), its per-address limit, the check of a request's head before its body, and the
// counters it keeps of connections and of every response status.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "io/json_file.h"
#include "server/api_error.h"
#include "server/http_server.h"

namespace r1::server {
namespace {

using test::ClientResponse;
using test::HttpTestClient;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

template <typename F>
bool wait_for(F condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Connections that send a request head one byte per `period` and reconnect as soon as the
// server drops them (the slowloris attack), spread round-robin over the source addresses.
class Slowloris {
 public:
  Slowloris(int port, std::vector<std::string> sources, int count, std::chrono::milliseconds period)
      : port_(port), sources_(std::move(sources)), period_(period) {
    for (int i = 0; i < count; ++i) connections_.push_back({connect_from(i), 0});
    thread_ = std::thread([this] { run(); });
  }
  ~Slowloris() {
    stop_ = true;
    thread_.join();
    for (const Connection& c : connections_) ::close(c.fd);
  }
  int reconnects() const { return reconnects_; }

 private:
  struct Connection {
    int fd;
    size_t sent;
  };

  int connect_from(size_t index) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{}, to{};
    from.sin_family = to.sin_family = AF_INET;
    ::inet_pton(AF_INET, sources_[index % sources_.size()].c_str(), &from.sin_addr);
    to.sin_port = htons(static_cast<uint16_t>(port_));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    return fd;
  }

  // The server answered (408, 503) or closed: the attacker just connects again.
  bool dropped(int fd) const {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  void run() {
    static const std::string head = "GET / HTTP/1.1\r\nX-Slow: " + std::string(10000, 'a');
    while (!stop_) {
      for (size_t i = 0; i < connections_.size(); ++i) {
        Connection& c = connections_[i];
        const bool sent =
            !dropped(c.fd) && ::send(c.fd, &head[c.sent % head.size()], 1,
                                     MSG_NOSIGNAL | MSG_DONTWAIT) == 1;
        if (sent) {
          ++c.sent;
          continue;
        }
        ::close(c.fd);
        c = {connect_from(i), 0};
        ++reconnects_;
      }
      std::this_thread::sleep_for(period_);
    }
  }

  int port_;
  std::vector<std::string> sources_;
  std::chrono::milliseconds period_;
  std::vector<Connection> connections_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reconnects_{0};
  std::thread thread_;
};

// Echoes the path; /forever streams until the client leaves.
class SlowClientsTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options, [](const HttpRequest& r, ResponseWriter& w) {
      if (r.path() == "/forever") {
        w.begin_events();
        while (w.send_event("{}")) std::this_thread::sleep_for(5ms);
        return;
      }
      w.respond(HttpResponse::json(200, Json{{"path", r.path()}}.dump()));
    });
    server_->start();
  }

  // Requests on fresh connections and on one kept-alive connection: each must be answered 200
  // within a second.
  void expect_prompt_answers() {
    HttpTestClient kept(port());
    for (int i = 0; i < 5; ++i) {
      const auto before = Clock::now();
      HttpTestClient fresh(port());
      fresh.send("GET /fresh HTTP/1.1\r\n\r\n");
      EXPECT_EQ(fresh.read_response().status, 200) << "request " << i;
      kept.send("GET /kept HTTP/1.1\r\n\r\n");
      EXPECT_EQ(kept.read_response().status, 200) << "request " << i;
      EXPECT_LT(Clock::now() - before, 1s) << "request " << i;
    }
  }

  const HttpCounters& counters() const { return server_->counters(); }
  int port() const { return server_->port(); }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(SlowClientsTest, SlowlorisFromTheClientsOwnAddressDoesNotStarveIt) {
  HttpServerOptions options;  // 64 connections per address at most: the attack fills that
  options.head_timeout = 1500ms;
  start(options);
  Slowloris attack(port(), {"127.0.0.1"}, 64, 1000ms);
  ASSERT_TRUE(wait_for([&] { return counters().waiting == 64; }));
  std::this_thread::sleep_for(1100ms);  // every slow connection has sent a byte or two
  expect_prompt_answers();
  EXPECT_GT(counters().evicted, 0);  // room was made for the prompt client
  EXPECT_EQ(counters().refused, 0);
}

TEST_F(SlowClientsTest, SlowlorisFromManyAddressesDoesNotStarveAClient) {
  HttpServerOptions options;
  options.max_waiting_connections = 64;  // the attack fills the waiting table
  options.head_timeout = 1500ms;
  start(options);
  std::vector<std::string> sources;
  for (int i = 2; i <= 9; ++i) sources.push_back("127.0.0." + std::to_string(i));
  Slowloris attack(port(), sources, 64, 1000ms);
  ASSERT_TRUE(wait_for([&] { return counters().waiting == 64; }));
  // Past the head deadline the slow connections are dropped (408), and come back.
  ASSERT_TRUE(wait_for([&] { return attack.reconnects() >= 64; }));
  ASSERT_TRUE(wait_for([&] { return counters().waiting == 64; }));
  EXPECT_GT(counters().timed_out, 0);
  EXPECT_GT(counters().responses(408), 0);
  expect_prompt_answers();
  EXPECT_GT(counters().evicted, 0);
}

TEST_F(SlowClientsTest, IdleKeepAliveConnectionsMakeRoomForNewOnes) {
  HttpServerOptions options;
  options.max_waiting_connections = 2;
  start(options);
  // One after the other: a connection goes back to the poller after its response is written,
  // so two answered together could be handed back in either order.
  HttpTestClient first(port());
  first.send("GET /a HTTP/1.1\r\n\r\n");
  EXPECT_EQ(first.read_response().status, 200);
  ASSERT_TRUE(wait_for([&] { return counters().waiting == 1; }));  // first handed back
  HttpTestClient second(port());
  second.send("GET /a HTTP/1.1\r\n\r\n");
  EXPECT_EQ(second.read_response().status, 200);
  ASSERT_TRUE(wait_for([&] { return counters().waiting == 2; }));  // both handed back
  HttpTestClient third(port());
  EXPECT_TRUE(first.peer_closed(2000));  // the one idle longest went
  third.send("GET /b HTTP/1.1\r\n\r\n");
  EXPECT_EQ(third.read_response().status, 200);
  second.send("GET /c HTTP/1.1\r\n\r\n");
  EXPECT_EQ(second.read_response().status, 200);
  EXPECT_EQ(counters().evicted, 1);
}

TEST_F(SlowClientsTest, AnAddressWithAllItsConnectionsBusyIsRefused) {
  HttpServerOptions options;
  options.max_connections_per_ip = 1;
  start(options);
  HttpTestClient busy(port());
  busy.send("GET /forever HTTP/1.1\r\n\r\n");
  busy.read_until("{}");
  HttpTestClient refused(port());
  refused.send("GET /a HTTP/1.1\r\n\r\n");
  ClientResponse r = refused.read_response();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Json::parse(r.body)["error"]["code"], "server_overloaded");
  HttpTestClient other(port(), "127.0.0.2");  // another address still gets in
  other.send("GET /a HTTP/1.1\r\n\r\n");
  EXPECT_EQ(other.read_response().status, 200);
  EXPECT_EQ(counters().refused, 1);
  EXPECT_EQ(counters().responses(503), 1);
}

TEST_F(SlowClientsTest, TricklingBodyIs408) {
  HttpServerOptions options;
  options.body_grace = 300ms;
  options.min_body_rate = 100;
  start(options);
  HttpTestClient c(port());
  const auto before = Clock::now();
  c.send("POST /a HTTP/1.1\r\nContent-Length: 1000\r\n\r\nx");
  ClientResponse r = c.read_response();
  EXPECT_EQ(r.status, 408);
  EXPECT_LT(Clock::now() - before, 2s);
  EXPECT_NE(Json::parse(r.body)["error"]["message"].get<std::string>().find("100 bytes/s"),
            std::string::npos);
  EXPECT_TRUE(wait_for([&] { return counters().timed_out == 1; }));
  EXPECT_EQ(counters().responses(408), 1);
}

TEST_F(SlowClientsTest, HeadCheckRefusesBeforeTheBodyIsSent) {
  HttpServerOptions options;
  options.check_head = [](const HttpRequest& head) -> std::optional<HttpResponse> {
    if (head.header("X-Key")) return std::nullopt;
    return authentication_error("no key").to_response();
  };
  start(options);
  HttpTestClient c(port());
  c.send("POST /a HTTP/1.1\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_response().status, 401);  // no 100 Continue, no waiting for the body
  HttpTestClient keyed(port());
  keyed.send("POST /a HTTP/1.1\r\nX-Key: k\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(keyed.read_response().status, 200);
  EXPECT_EQ(counters().responses(401), 1);
}

TEST_F(SlowClientsTest, EveryStatusAndConnectionIsCounted) {
  HttpServerOptions options;
  options.head_timeout = 300ms;
  start(options);
  {
    HttpTestClient silent(port());  // closes without a request
  }
  HttpTestClient bad(port());
  bad.send("GARBAGE\r\n\r\n");
  EXPECT_EQ(bad.read_response().status, 400);
  HttpTestClient big(port());
  big.send("GET / HTTP/1.1\r\nX: " + std::string(20000, 'x') + "\r\n\r\n");
  EXPECT_EQ(big.read_response().status, 431);
  HttpTestClient slow(port());
  slow.send("GET / HTT");
  EXPECT_EQ(slow.read_response().status, 408);
  {
    HttpTestClient leaving(port());
    leaving.send("GET /forever HTTP/1.1\r\n\r\n");
    leaving.read_until("{}");
  }
  HttpTestClient ok(port());
  ok.send("GET /a HTTP/1.1\r\n\r\n");
  EXPECT_EQ(ok.read_response().status, 200);
  EXPECT_TRUE(wait_for([&] { return counters().responses(499) == 1; }));
  EXPECT_EQ(counters().responses(200), 1);
  EXPECT_EQ(counters().responses(400), 1);
  EXPECT_EQ(counters().responses(431), 1);
  EXPECT_EQ(counters().responses(408), 1);
  EXPECT_EQ(counters().parse_errors, 2);
  EXPECT_EQ(counters().timed_out, 1);
  EXPECT_EQ(counters().accepted, 6);
  EXPECT_TRUE(wait_for([&] { return counters().without_request == 4; }));  // silent, bad, big, slow
  const std::string page = counters().prometheus_text();
  EXPECT_NE(page.find("r1_http_responses_total{status=\"499\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("r1_http_connections_timed_out_total 1\n"), std::string::npos) << page;
}

}  // namespace
}  // namespace r1::server
