// Stage messages as MPI sees them: a fixed four-word head, the cache ops and spans as int64
// words, then the hidden states as raw floats.
#include "infer/pipeline_messages.h"

#include <string>

namespace r1 {

namespace {

enum Tag : int { kHead = 7101, kWords = 7102, kHidden = 7103, kBack = 7104 };

constexpr size_t kOpWords = 7, kSpanWords = 5;

}  // namespace

void OutgoingStage::wait() {
  for (const auto& part : parts_) part->wait();
}

std::unique_ptr<OutgoingStage> isend_stage(Comm& comm, int to, const StageHeader& h, const float* x,
                                           int64_t D) {
  auto out = std::make_unique<OutgoingStage>();
  int64_t* head = out->head_;
  head[0] = int64_t(h.op), head[1] = h.rows, head[2] = int64_t(h.cache_ops.size());
  head[3] = int64_t(h.spans.size());
  out->parts_.push_back(comm.isend(head, sizeof(out->head_), to, kHead));
  std::vector<int64_t>& words = out->words_;
  for (const CacheOp& o : h.cache_ops)
    words.insert(words.end(), {o.kind, o.cache, o.capacity, o.source, o.n, o.source_pos, o.cache_pos});
  for (const SpanHeader& s : h.spans)
    words.insert(words.end(), {s.row0, s.rows, s.pos0, s.cache, s.capacity});
  if (!words.empty())
    out->parts_.push_back(comm.isend(words.data(), words.size() * sizeof(int64_t), to, kWords));
  if (h.op == StageOp::Forward && h.rows > 0)
    out->parts_.push_back(comm.isend(x, size_t(h.rows * D) * sizeof(float), to, kHidden));
  return out;
}

void send_stage(Comm& comm, int to, const StageHeader& h, const float* x, int64_t D) {
  isend_stage(comm, to, h, x, D)->wait();
}

StageHeader recv_stage_header(Comm& comm, int from) {
  int64_t head[4] = {};
  comm.recv(head, sizeof(head), from, kHead);
  StageHeader h;
  h.op = StageOp(head[0]);
  h.rows = head[1];
  if ((h.op != StageOp::Forward && h.op != StageOp::Stop && h.op != StageOp::KeepAlive) ||
      h.rows < 0 || head[2] < 0 ||
      head[3] < 0 || head[2] > (int64_t(1) << 24) || head[3] > (int64_t(1) << 24))
    throw CommError(comm.name_of(comm.rank()) + " received a malformed pipeline header from " +
                    comm.name_of(from));
  std::vector<int64_t> words(size_t(head[2]) * kOpWords + size_t(head[3]) * kSpanWords);
  if (!words.empty()) comm.recv(words.data(), words.size() * sizeof(int64_t), from, kWords);
  const int64_t* w = words.data();
  for (int64_t i = 0; i < head[2]; ++i, w += kOpWords)
    h.cache_ops.push_back({w[0], w[1], w[2], w[3], w[4], w[5], w[6]});
  for (int64_t i = 0; i < head[3]; ++i, w += kSpanWords)
    h.spans.push_back({w[0], w[1], w[2], w[3], w[4]});
  return h;
}

void recv_hidden(Comm& comm, int from, float* x, int64_t rows, int64_t D) {
  if (rows > 0) comm.recv(x, size_t(rows * D) * sizeof(float), from, kHidden);
}

std::unique_ptr<SendRequest> isend_hidden_back(Comm& comm, const float* x, int64_t rows,
                                               int64_t D) {
  if (rows == 0) return nullptr;
  return comm.isend(x, size_t(rows * D) * sizeof(float), 0, kBack);
}

void recv_hidden_back(Comm& comm, float* x, int64_t rows, int64_t D) {
  if (rows > 0) comm.recv(x, size_t(rows * D) * sizeof(float), comm.size() - 1, kBack);
}

}  // namespace r1
