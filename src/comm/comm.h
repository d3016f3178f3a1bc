// The processes of one run and what passes between them: Open MPI's world when launched by
// `mpirun`, a world of one otherwise, so the same binary runs alone exactly as without MPI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

namespace r1 {

// Ranks that disagree on what they run, or a malformed message between them. The run cannot go
// on: the caller ends every rank (Comm::abort).
class CommError : public Error {
 public:
  using Error::Error;
};

// A send under way (Comm::isend): its buffer must stay unchanged until wait() returns.
class SendRequest {
 public:
  virtual ~SendRequest() = default;
  // Returns when the data has left the buffer; bounded by the timeout, as Comm::send.
  virtual void wait() = 0;
};

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual const std::string& host_of(int r) const = 0;  // rank r's machine

  // Element-wise sum over all ranks, in place; every rank receives the same bits.
  virtual void all_reduce_sum(float* data, int64_t n) = 0;
  virtual void all_reduce_sum(double* data, int64_t n) = 0;
  virtual void all_reduce_sum(int64_t* data, int64_t n) = 0;
  // Element-wise maximum over all ranks, in place (a minimum is the maximum of the negations).
  virtual void all_reduce_max(double* data, int64_t n) = 0;
  // Rank `root`'s bytes into every rank's buffer.
  virtual void broadcast(void* data, size_t bytes, int root) = 0;
  // Every rank's string on every rank, in rank order (names, fingerprints, small records).
  virtual std::vector<std::string> all_gather(const std::string& mine) = 0;
  // Point to point; a recv names the exact size the matching send sends.
  virtual void send(const void* data, size_t bytes, int to, int tag) = 0;
  virtual void recv(void* data, size_t bytes, int from, int tag) = 0;
  // A send that returns at once (a pipeline stage takes its next input while its last output
  // still travels); messages between two ranks with one tag arrive in the order sent.
  virtual std::unique_ptr<SendRequest> isend(const void* data, size_t bytes, int to, int tag) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the run with `code` (MPI_Abort); a world of one returns.
  virtual void abort(int code) = 0;

  bool is_root() const { return rank() == 0; }
  const std::string& host() const { return host_of(rank()); }
  // "rank 1/2 on host-b": how messages name a rank.
  std::string name_of(int r) const;
};

// The world this process belongs to: MPI when `mpirun` started it (OMPI_COMM_WORLD_SIZE is set),
// otherwise a world of one. A wait longer than timeout_s in any collective or message ends the
// process with one message naming the operation (the others then end too: a stalled or dead rank
// never leaves the run hanging). Ranks running different r1 binaries are a CommError here.
std::unique_ptr<Comm> open_world(double timeout_s);

// The wait before a stalled rank is an error: R1_COMM_TIMEOUT (seconds) or 600.
double comm_timeout_from_env();

// This rank's share of n items split in rank order: [begin, end) with begin = n r / N, so the
// shares differ by at most one item.
struct RankShare {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};
RankShare share_of(int64_t n, const Comm& comm);

// Every rank's `value` of `what` must equal rank 0's; otherwise a CommError on every rank naming
// the first rank that differs, e.g. "rank 1/2 on b runs a different r1 binary than rank 0/2 on a".
void check_ranks_agree(Comm& comm, const std::string& what, const std::string& value);

// Broadcasts a string of any length from root.
void broadcast_string(Comm& comm, std::string& s, int root);

}  // namespace r1
