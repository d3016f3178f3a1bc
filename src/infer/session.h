// A conversation decoded into one KV cache that is kept across turns. Each turn passes the whole
// conversation as its prompt (rendered again with the chat template); the cache is cut back to
// the longest common token prefix with what it already holds and only the rest is prefilled.
// With R1's template, which drops earlier reasoning, the reused prefix usually ends where the
// previous assistant message began.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "infer/generator.h"

namespace r1 {

// The prompt does not fit in the session's context.
class ContextFullError : public Error {
 public:
  using Error::Error;
};

struct TurnStats {
  int64_t prompt_tokens = 0;     // the whole prompt of this turn
  int64_t reused_tokens = 0;     // its prefix whose KV was already in the cache
  int64_t prefilled_tokens = 0;  // prompt_tokens - reused_tokens: computed this turn
  int64_t generated_tokens = 0;
  double prefill_seconds = 0, decode_seconds = 0;
  bool context_full = false;  // the reply was cut because the context was full
};

class Session {
 public:
  // max_context: tokens the cache may hold at most; it is allocated as the conversation grows.
  Session(const Model& model, const Tokenizer* tokenizer, std::vector<int32_t> stop_ids,
          int64_t max_context);

  // One reply (request.n must be 1). It ends at a stop, at max_tokens or when the context is
  // full (finish_reason "length", stats->context_full). ContextFullError when the prompt alone
  // is longer than max_context; the session is then unchanged.
  Completion generate(const GenerationRequest& request, const TextCallback& on_text = {},
                      TurnStats* stats = nullptr);
  // Forgets the conversation; the allocation stays for the next one.
  void clear();

  const std::vector<int32_t>& cached_tokens() const { return tokens_; }  // [cache().length]
  const KvCache& cache() const { return cache_; }
  int64_t max_context() const { return max_context_; }

 private:
  // Grows the cache (doubling, at most max_context) so that it holds `tokens`.
  void fit(int64_t tokens);

  const Model& model_;
  const Tokenizer* tokenizer_;
  std::vector<int32_t> stop_ids_;
  LazyTokenTrie trie_;  // for structured output
  int64_t max_context_;
  KvCache cache_;
  std::vector<int32_t> tokens_;  // the tokens whose keys and values are in the cache
};

}  // namespace r1
