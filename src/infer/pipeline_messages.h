// What passes between pipeline stages: per pass a small header (operation, rows, the cache
// forks and releases to apply first, each sequence's rows, position and cache) and the hidden
// states [rows, D]; nothing else crosses a stage boundary.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "comm/comm.h"

namespace r1 {

// KeepAlive: rank 0 has sent nothing for a while (a server between requests, a chat waiting
// for its user); passed down to the last stage, so no stage's wait for the next pass times out.
enum class StageOp : int64_t { Forward = 1, Stop = 2, KeepAlive = 3 };

// A change to the later stages' caches, applied in order before the pass it travels with.
struct CacheOp {
  enum Kind : int64_t { Copy = 1, Release = 2 };
  int64_t kind = Copy;
  int64_t cache = -1;    // the cache copied into (Copy) or dropped (Release)
  int64_t capacity = 0;  // Copy: its capacity in tokens
  int64_t source = -1;   // Copy: the cache whose tokens [source_pos, source_pos + n) it appends
  int64_t n = 0;
  int64_t source_pos = 0;
  int64_t cache_pos = 0;  // Copy: where they go (the cache is cut to it first)
};

// One sequence's rows of a pass, appended to `cache` at pos0 (cache -1: the full-sequence path
// without a cache).
struct SpanHeader {
  int64_t row0 = 0, rows = 0, pos0 = 0;
  int64_t cache = -1;
  int64_t capacity = 0;  // the cache's capacity on rank 0, mirrored by every stage
};

struct StageHeader {
  StageOp op = StageOp::Stop;
  int64_t rows = 0;  // N: the hidden states that follow, [N, D]
  std::vector<CacheOp> cache_ops;
  std::vector<SpanHeader> spans;
};

// A stage message on its way: its words stay here until every part has left.
class OutgoingStage {
 public:
  void wait();  // every part sent

 private:
  friend std::unique_ptr<OutgoingStage> isend_stage(Comm&, int, const StageHeader&, const float*,
                                                    int64_t);
  int64_t head_[4] = {};
  std::vector<int64_t> words_;
  std::vector<std::unique_ptr<SendRequest>> parts_;
};

// Starts sending the header, then (Forward) the hidden states x [header.rows, D], to rank `to`;
// x must stay unchanged until the message is waited for.
std::unique_ptr<OutgoingStage> isend_stage(Comm& comm, int to, const StageHeader& header,
                                           const float* x, int64_t D);
// The same, returning once it is sent.
void send_stage(Comm& comm, int to, const StageHeader& header, const float* x, int64_t D);
// The header from rank `from`; its hidden states follow (recv_hidden).
StageHeader recv_stage_header(Comm& comm, int from);
// x [rows, D] from rank `from`, after its header.
void recv_hidden(Comm& comm, int from, float* x, int64_t rows, int64_t D);
// The last stage's hidden states x [rows, D] back to rank 0 (started: x must stay unchanged
// until it is waited for; null for no rows), and rank 0's receipt of them.
std::unique_ptr<SendRequest> isend_hidden_back(Comm& comm, const float* x, int64_t rows, int64_t D);
void recv_hidden_back(Comm& comm, float* x, int64_t rows, int64_t D);

}  // namespace r1
