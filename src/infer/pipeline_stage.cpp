// Rank 0's cache ids and pass headers; a later stage's caches and pass. Truncation and growth
// of a cache need no message: each pass names its position and capacity, and the stage cuts or
// grows its part to them.
#include "infer/pipeline_stage.h"

#include <string>

namespace r1 {

int64_t StagesHead::new_cache_id() {
  const std::lock_guard<std::mutex> lock(mu_);
  return next_id_++;
}

void StagesHead::copied(int64_t dst, int64_t dst_capacity, int64_t dst_pos, int64_t src,
                        int64_t src_pos, int64_t n) {
  const std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back({CacheOp::Copy, dst, dst_capacity, src, n, src_pos, dst_pos});
}

void StagesHead::released(int64_t id) noexcept {
  try {
    const std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back({CacheOp::Release, id, 0, -1, 0, 0, 0});
  } catch (...) {  // out of memory: the stages keep a cache no longer needed
  }
}

StageHeader StagesHead::pass_header(int64_t N, const SeqSpans& spans) {
  StageHeader h{StageOp::Forward, N, std::move(pending_), {}};
  pending_.clear();
  for (const SeqSpan& s : spans) {
    R1_ASSERT_MSG(!s.cache || s.cache->mirror.mirror() == this,
                  "a pipeline's KV caches come from Model::new_cache");
    h.spans.push_back({s.row0, s.rows, s.pos0, s.cache ? s.cache->mirror.id() : -1,
                       s.cache ? s.cache->capacity : 0});
  }
  return h;
}

void PipelineStage::run(const StageHeader& h, float* x) {
  for (const CacheOp& op : h.cache_ops) apply(op);
  if (h.op != StageOp::Forward) return;
  SeqSpans spans;
  for (const SpanHeader& s : h.spans) spans.push_back({s.row0, s.rows, s.pos0, cache_at(s)});
  model_.forward_layers(x, h.rows, spans);
}

void PipelineStage::apply(const CacheOp& op) {
  if (op.kind == CacheOp::Release) {
    caches_.erase(op.cache);
    return;
  }
  KvCache& dst = fit(op.cache, op.capacity);
  if (op.cache_pos < 0 || op.cache_pos > dst.length || op.source_pos < 0 || op.n < 0 ||
      op.cache_pos + op.n > dst.capacity)
    throw CommError("pipeline: a copy of " + std::to_string(op.n) + " tokens to position " +
                    std::to_string(op.cache_pos) + " of cache " + std::to_string(op.cache) +
                    ", which holds " + std::to_string(dst.length) + " of " +
                    std::to_string(dst.capacity) + " tokens here");
  dst.truncate(op.cache_pos);
  if (op.n == 0) return;
  const auto src = caches_.find(op.source);
  if (src == caches_.end() || src->second.length < op.source_pos + op.n)
    throw CommError("pipeline: a copy of " + std::to_string(op.n) + " tokens at " +
                    std::to_string(op.source_pos) + " of cache " + std::to_string(op.source) +
                    ", which this stage does not hold");
  dst.append_from(src->second, op.source_pos, op.n);
}

// The span's cache, cut back to the span's position (rank 0 may have truncated it since).
KvCache* PipelineStage::cache_at(const SpanHeader& s) {
  if (s.cache < 0) return nullptr;
  KvCache& c = fit(s.cache, s.capacity);
  if (s.pos0 > c.length || s.pos0 + s.rows > c.capacity)
    throw CommError("pipeline: cache " + std::to_string(s.cache) + " holds " +
                    std::to_string(c.length) + " of " + std::to_string(c.capacity) +
                    " tokens here, a pass writes " + std::to_string(s.rows) + " at " +
                    std::to_string(s.pos0));
  c.truncate(s.pos0);
  return &c;
}

KvCache& PipelineStage::fit(int64_t id, int64_t capacity) {
  auto it = caches_.find(id);
  if (it == caches_.end()) it = caches_.emplace(id, model_.new_cache(capacity)).first;
  it->second.reserve(capacity);
  return it->second;
}

}  // namespace r1
