// A pipeline's two ends apart from how their messages travel: rank 0's StagesHead (cache ids,
// the forks and releases waiting for the next pass, each pass's header) and a later stage's
// PipelineStage (its part of every cache, by rank 0's ids, and the pass over its layers).
// infer/pipeline.cpp moves the messages over MPI; a test can move them in one process.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "infer/pipeline_messages.h"
#include "model/later_stages.h"
#include "model/model.h"

namespace r1 {

// The transport-free half of rank 0's LaterStages; a subclass sends and receives.
class StagesHead : public LaterStages {
 public:
  StagesHead(int64_t first_layer, int stage_count)
      : first_layer_(first_layer), stage_count_(stage_count) {}

  int64_t first_layer() const override { return first_layer_; }
  int stage_count() const override { return stage_count_; }
  int64_t new_cache_id() override;
  void copied(int64_t dst, int64_t dst_capacity, int64_t dst_pos, int64_t src, int64_t src_pos,
              int64_t n) override;
  void released(int64_t id) noexcept override;

 protected:
  // The header of a Forward pass over `spans` (N rows), carrying the cache ops queued since the
  // last pass. Subclasses call it holding mu_.
  StageHeader pass_header(int64_t N, const SeqSpans& spans);
  std::mutex mu_;  // a server's threads may share the model

 private:
  int64_t first_layer_;
  int stage_count_;
  std::vector<CacheOp> pending_;
  int64_t next_id_ = 0;
};

class PipelineStage {
 public:
  // `model`: this stage's part (ModelDir::load_model with the stage's ModelPart).
  explicit PipelineStage(const Model& model) : model_(model) {}

  // Applies the header's cache ops in order, then (Forward) runs this stage's layers over
  // x [h.rows, D] in place. CommError when the header names a cache state this stage lacks.
  void run(const StageHeader& h, float* x);

 private:
  void apply(const CacheOp& op);
  KvCache* cache_at(const SpanHeader& s);
  KvCache& fit(int64_t id, int64_t capacity);

  const Model& model_;
  std::map<int64_t, KvCache> caches_;  // by rank 0's id
};

}  // namespace r1
