// Tokenizer encode throughput: loads a tokenizer directory, encodes a text file whole (and line
// by line) several times on one thread, prints the best MB/s as JSON. Compare with
// bench/tokenizer/js_encode_bench.mjs on the same file in the same run.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: r1_tokenizer_bench TOKENIZER_DIR TEXT_FILE [repeats]\n");
    return 2;
  }
  try {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const r1::Tokenizer tok = r1::Tokenizer::load(argv[1]);
    const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::ifstream f(argv[2], std::ios::binary);
    if (!f) throw r1::IoError(std::string(argv[2]) + ": cannot open");
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
    double best_whole = 1e30, best_lines = 1e30;
    size_t tokens = 0;
    for (int r = 0; r < repeats; ++r) {
      auto a = Clock::now();
      tokens = tok.encode(text, false).size();
      best_whole = std::min(best_whole, std::chrono::duration<double>(Clock::now() - a).count());
      a = Clock::now();
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);) tok.encode(line, false);
      best_lines = std::min(best_lines, std::chrono::duration<double>(Clock::now() - a).count());
    }
    const double mb = double(text.size()) / 1e6;
    std::printf(
        "{\"load_s\": %.3f, \"bytes\": %zu, \"tokens\": %zu, \"mb_per_s_whole\": %.2f, "
        "\"mb_per_s_lines\": %.2f}\n",
        load_s, text.size(), tokens, mb / best_whole, mb / best_lines);
  } catch (const r1::Error& e) {
    std::fprintf(stderr, "r1_tokenizer_bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
