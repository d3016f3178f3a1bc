// `r1 serve` and `r1 chat` as a pipeline under `mpirun -np 2`: the same answers as one process
// (greedy and seeded samples, several requests at once in micro-batches), the later stage kept
// alive while the server is idle past R1_COMM_TIMEOUT, and SIGTERM stopping every rank cleanly.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "serve_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// What a client compares between servers: the choices and the token counts.
std::string answer(const test::ClientResponse& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  return j.at("choices").dump() + " " + j.at("usage").dump();
}

struct Request {
  std::string path;
  Json body;
};

const std::vector<Request>& requests() {
  static const std::vector<Request> all = {
      {"/v1/completions", {{"prompt", "Hello there"}, {"max_tokens", 12}, {"temperature", 0}}},
      {"/v1/completions",
       {{"prompt", "One two"}, {"n", 3}, {"temperature", 0.9}, {"seed", 5}, {"max_tokens", 10}}},
      {"/v1/chat/completions",
       {{"messages", {{{"role", "user"}, {"content", "Hi"}}}},
        {"max_tokens", 12},
        {"temperature", 0.7},
        {"seed", 3}}},
  };
  return all;
}

// Every request at once, each from its own thread: the answers in request order.
std::vector<std::string> ask_together(int port) {
  std::vector<std::string> answers(requests().size());
  std::vector<std::thread> clients;
  for (size_t i = 0; i < requests().size(); ++i)
    clients.emplace_back([&, i] {
      answers[i] = answer(test::post_json(port, requests()[i].path, requests()[i].body));
    });
  for (std::thread& t : clients) t.join();
  return answers;
}

// `mpirun -np 2 r1 serve` in the background, its output in a log; stop() sends SIGTERM to rank 0
// (which stops the server and the later stage) and returns mpirun's exit code.
class TwoRankServer {
 public:
  explicit TwoRankServer(const std::string& dir) : dir_(dir) {
    const std::string launch = test::mpirun_r1(2, "R1_COMM_TIMEOUT=2") + " serve --model " +
                               test::serve_model_dir() + " --port 0 --parallel 8 -t 1";
    std::ofstream(dir_ + "/serve.sh") << launch << " > " << dir_ << "/serve.log 2>&1 &\n"
                                      << "echo $! > " << dir_ << "/serve.pid\n"
                                      << "wait $!\necho $? > " << dir_ << "/serve.exit\n";
    test::run_command("setsid bash " + dir_ + "/serve.sh > /dev/null 2>&1 &");
    const std::string banner = "r1 serve: http://127.0.0.1:";
    for (int i = 0; i < 300 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const std::string log = read_file(dir_ + "/serve.log");
      const size_t at = log.find(banner);
      if (at != std::string::npos) port_ = std::stoi(log.substr(at + banner.size()));
    }
  }
  ~TwoRankServer() {
    if (exit_code_ < 0) stop();
  }

  int port() const { return port_; }
  std::string log() const { return read_file(dir_ + "/serve.log"); }

  int stop() {
    test::run_command("for p in $(pgrep -P $(cat " + dir_ + "/serve.pid)); do grep -q -a "
                      "OMPI_COMM_WORLD_RANK=0 /proc/$p/environ && kill -TERM $p; done");
    for (int i = 0; i < 300; ++i) {
      const std::string code = read_file(dir_ + "/serve.exit");
      if (!code.empty()) return exit_code_ = std::stoi(code);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    test::run_command("kill -KILL $(cat " + dir_ + "/serve.pid)");
    return exit_code_ = 999;
  }

 private:
  std::string dir_;
  int port_ = 0, exit_code_ = -1;
};

TEST(PipelineServe, TwoRanksAnswerAsOneProcessAndStopOnSigterm) {
  std::vector<std::string> want;
  {
    test::ServerSetup setup;
    setup.parallel = 8;
    test::TestServer one(setup);
    for (const Request& r : requests()) want.push_back(answer(test::post_json(one.port(), r.path, r.body)));
  }
  TwoRankServer two(test::make_temp_dir("pipeline_serve"));
  ASSERT_GT(two.port(), 0) << two.log();
  EXPECT_EQ(ask_together(two.port()), want);
  // Idle for longer than R1_COMM_TIMEOUT: rank 0's keep-alives hold the stage's wait open.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(answer(test::post_json(two.port(), requests()[0].path, requests()[0].body)), want[0]);
  EXPECT_EQ(two.stop(), 0) << two.log();
  const std::string log = two.log();
  EXPECT_NE(log.find("pipeline stage 2 of 2: layers "), std::string::npos) << log;
  EXPECT_NE(log.find("SIGTERM, stopping"), std::string::npos) << log;
  EXPECT_EQ(log.find("error"), std::string::npos) << log;
}

TEST(PipelineServe, ChatOnTwoRanksRepliesAsOneProcess) {
  const std::string dir = test::make_temp_dir("pipeline_chat");
  std::ofstream(dir + "/turns.txt") << "Hi\nWhat is 2+2?\n/exit\n";
  // stdout only: the replies (stderr has timings, and each rank's part on two ranks)
  auto chat = [&](const std::string& launch, const std::string& name) {
    const test::RunResult r =
        test::run_command("(" + launch + " chat --model " + test::serve_model_dir() +
                          " --temperature 0.8 --seed 4 -n 10 -t 1 < " + dir + "/turns.txt > " +
                          dir + "/" + name + " 2> " + dir + "/" + name + ".err)");
    EXPECT_EQ(r.exit_code, 0) << read_file(dir + "/" + name + ".err");
    return read_file(dir + "/" + name);
  };
  const std::string one = chat(R1_BINARY, "one.txt"), two = chat(test::mpirun_r1(2), "two.txt");
  EXPECT_GT(one.size(), 10u);
  EXPECT_EQ(two, one);
}

}  // namespace
}  // namespace r1
