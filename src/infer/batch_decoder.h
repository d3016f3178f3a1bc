// Step-wise batched decoding for a server: sequences join and leave between steps, and each
// step is one forward pass over all of them (new prompts prefilled, running ones one token). On
// rank 0 of a pipeline the sequences are split into micro-batches, one in flight per stage, and
// a step finishes the oldest of them, so that every stage is busy.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <vector>

#include "infer/generator.h"
#include "infer/prefix_cache.h"

namespace r1 {

// What one step produced for one sequence: exactly one sampled token.
struct DecodeEvent {
  int64_t sequence = 0;       // the id add() returned
  int32_t token = 0;          // the sampled id
  std::string text;           // text now safe to show (may be empty: held back)
  std::string finish_reason;  // empty while running; "stop" or "length" on its last token
};

// Sample i of a request behaves exactly as sample i of Generator::generate for the same request
// (one prefill forked to every sample, seed sampling.seed + i, same stop rules), whatever else
// is in the batch, up to floating-point summation order. With a prefix cache each prompt's KV is
// kept once prefilled and each sequence's once it ends (blocks shared, up to
// prefix_cache_bytes), and a prompt prefills only what follows the longest prefix they hold.
// A prompt sharing at least a block more with one being prefilled (requests arriving together
// with one system prompt) waits for that prefill and then reuses it. Not thread-safe: one owner
// calls it.
class BatchDecoder {
 public:
  BatchDecoder(const Model& model, const Tokenizer* tokenizer, std::vector<int32_t> stop_ids,
               int64_t prefix_cache_bytes = 0);

  // Adds the request's n samples; their prompt is prefilled in the next step. Returns their
  // ids, sample order. UsageError for an invalid request (validate_request).
  std::vector<int64_t> add(const GenerationRequest& request);
  // Drops a sequence (a cancelled request): at once, or when its pass in flight is back; it
  // gets no more events. Unknown or finished ids are ignored.
  void remove(int64_t sequence);
  // Drops every sequence (after a failed step, whose caches may be half written), after taking
  // back the passes in flight.
  void clear();

  // Starts passes over the sequences not in flight until model.pipeline_depth() are in flight
  // (one process: one pass over all of them), then finishes the oldest: each of its sequences
  // gets one token. A finished sequence is dropped after its last event. Nothing happens
  // without sequences.
  std::vector<DecodeEvent> step();

  size_t size() const { return sequences_.size(); }
  const PrefixCacheStats& prefix_cache_stats() const { return prefix_cache_.stats(); }

 private:
  struct Sequence {
    int64_t id;
    SampleStream stream;
    KvCache cache;
    int64_t max_length;            // prompt + max_tokens: the most the cache may hold
    std::vector<int32_t> prompt;   // the whole prompt
    std::vector<int32_t> prefill;  // its tokens not in the cache yet; cleared once prefilled
    int64_t fork_of = -1;  // samples after the first copy its prefill instead of computing it
    bool looked_up = false;  // the prefix cache gave what it holds (when it first joins a pass)
    bool in_flight = false;  // in a pass started and not finished
    bool removed = false;    // remove()d while in flight: dropped when its pass is back
  };
  // A pass in flight: its sequences, one logits row each, in order.
  struct Pass {
    Model::BatchInFlight batch;
    std::vector<Sequence*> rows;
  };

  Sequence* find(int64_t id);
  void start_passes();
  // Whether s's prompt shares at least a block more with one of `prefilling` than the prefix
  // cache holds: it waits for that prefill.
  bool waits_for_shared_prefill(const Sequence& s,
                                const std::vector<const Sequence*>& prefilling) const;
  void look_up_prefix(Sequence& s);  // the cached prefix copied in, prefill what follows
  void retire(Sequence& s);  // a sequence leaving: its KV to the prefix cache
  std::vector<DecodeEvent> sample_rows(const std::vector<Sequence*>& rows, const Tensor& logits);

  const Model& model_;
  const Tokenizer* tokenizer_;
  std::vector<int32_t> stop_ids_;
  std::list<Sequence> sequences_;  // stable addresses: passes hold pointers to the caches
  std::deque<Pass> in_flight_;     // oldest first
  PrefixCache prefix_cache_;
  LazyTokenTrie trie_;  // for structured output
  int64_t next_id_ = 0;
};

}  // namespace r1
