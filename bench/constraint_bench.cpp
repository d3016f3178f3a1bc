// Structured output's per-token cost on a tokenizer: building the vocabulary trie, a mask
// computed from scratch (one trie walk) and one found in the cache, in the states a JSON
// document passes through (before it, a key, inside a string, a number, after a value).
//   build/r1_constraint_bench TOKENIZER_DIR [REPEATS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "infer/json_schema_grammar.h"
#include "infer/token_constraint.h"
#include "tokenizer/byte_level.h"

namespace {

using Clock = std::chrono::steady_clock;

double best_seconds(int repeats, const std::function<void()>& fn) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace r1;
  if (argc < 2) {
    std::fprintf(stderr, "usage: r1_constraint_bench TOKENIZER_DIR [REPEATS]\n");
    return 2;
  }
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  try {
    const Tokenizer tok = Tokenizer::load(argv[1]);
    std::shared_ptr<const TokenTrie> trie;
    const double trie_s =
        best_seconds(1, [&] { trie = std::make_shared<const TokenTrie>(tok); });
    std::printf("vocabulary %lld ids, trie %zu nodes, built in %.1f ms\n",
                (long long)tok.vocab_size(), trie->nodes().size(), trie_s * 1e3);
    const auto grammar = json_schema_grammar(OrderedJson::parse(R"({"type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}}},
        "required": ["name", "age"], "additionalProperties": false})"));
    for (const char* prefix : {"", "{\"na", "{\"name\": \"Al", "{\"name\": \"x\", \"age\": 12",
                               "{\"name\": \"x\", \"age\": 1}"}) {
      size_t allowed = 0;
      // From scratch: a fresh constraint (empty cache) driven to the state byte by byte.
      auto fresh = [&] {
        TokenConstraint c({grammar, false}, trie, tok, {1}, false);
        for (const char* p = prefix; *p; ++p)
          c.accept(tok.token_to_id(tok::byte_to_unicode((unsigned char)*p)));
        return c;
      };
      TokenConstraint cached = fresh();
      const double cold = best_seconds(repeats, [&] {
        TokenConstraint c = fresh();
        allowed = c.mask(1 << 20).ids->size();
      });
      cached.mask(1 << 20);
      const double hot = best_seconds(repeats, [&] { cached.mask(1 << 20); });
      std::printf("after '%s': %zu tokens allowed; mask from scratch %.3f ms, cached %.2f us\n",
                  prefix, allowed, cold * 1e3, hot * 1e6);
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "r1_constraint_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
