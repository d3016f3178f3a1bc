// Training metrics as JSONL: one object per step with whatever fields the trainer reports
// (step, loss, lr, grad_norm, tokens_per_s, mfu, expert_load, ...), flushed line by line so a
// killed run loses at most the line being written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "io/json_file.h"

namespace r1 {

class MetricsWriter {
 public:
  // A new run: creates or truncates path. IoError naming it.
  static MetricsWriter create(const std::string& path);
  // A resumed run: keeps the records whose "step" is <= last_step (those before the checkpoint;
  // a torn last line from a killed run is dropped too), rewrites the file atomically, then
  // appends. A missing file starts empty. FormatError "<path>:<line>: ..." for a malformed line
  // that is not the last.
  static MetricsWriter resume(const std::string& path, int64_t last_step);
  ~MetricsWriter();
  MetricsWriter(MetricsWriter&& o) noexcept;
  MetricsWriter& operator=(MetricsWriter&&) = delete;
  MetricsWriter(const MetricsWriter&) = delete;

  // Appends record (a JSON object) as one line and flushes it. IoError on a failed write.
  void write(const Json& record);
  const std::string& path() const { return path_; }

 private:
  MetricsWriter(std::string path, std::FILE* f) : path_(std::move(path)), f_(f) {}
  std::string path_;
  std::FILE* f_ = nullptr;
};

// The metrics file of a run saving checkpoints to `out`: `requested`, or OUT.metrics.jsonl beside
// the checkpoint when empty; the parent directories of both are created. UsageError when the
// file would lie inside `out`, which every save replaces whole (the metrics would vanish).
std::string prepare_metrics_path(const std::string& out, const std::string& requested);

// Every record of a metrics file, in order; `skip_torn_tail`: a malformed last line (a run
// killed mid-write) is dropped instead of failing. FormatError "<path>:<line>: ..." otherwise.
std::vector<Json> read_metrics(const std::string& path, bool skip_torn_tail = true);

}  // namespace r1
