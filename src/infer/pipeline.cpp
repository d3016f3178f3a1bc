// Pipeline stages over a Comm: rank 0's PipelineHead (the LaterStages of its model) sends each
// pass down the ranks and takes the hidden states back; ranks 1.. run serve_stage, mirroring
// rank 0's KV caches for their layers by id.
#include "infer/pipeline.h"

#include <cstdio>
#include <exception>
#include <map>
#include <mutex>

#include "checkpoint/config_json.h"
#include "core/hash.h"
#include "core/si_units.h"
#include "infer/pipeline_messages.h"
#include "infer/pipeline_plan.h"

namespace r1 {

namespace {

// Rank 0's view of ranks 1..: every pass goes to rank 1 and comes back from the last rank.
// Cache forks and releases wait in `pending_` for the next pass, which applies them first.
class PipelineHead : public LaterStages {
 public:
  PipelineHead(Comm& comm, int64_t first_layer, int64_t D)
      : comm_(comm), first_layer_(first_layer), D_(D) {}
  // Tells the stages to stop, unless an error is ending the run (main then aborts every rank).
  ~PipelineHead() override {
    if (std::uncaught_exceptions() > 0) return;
    try {
      send_stage(comm_, 1, StageHeader{StageOp::Stop, 0, {}, {}}, nullptr, D_);
    } catch (const Error& e) {
      std::fprintf(stderr, "r1: error: %s\n", e.what());
    }
  }

  int64_t first_layer() const override { return first_layer_; }

  void forward(float* x, int64_t N, const SeqSpans& spans) override {
    const std::lock_guard<std::mutex> lock(mu_);
    StageHeader h{StageOp::Forward, N, std::move(pending_), {}};
    pending_.clear();
    for (const SeqSpan& s : spans) {
      R1_ASSERT_MSG(!s.cache || s.cache->mirror.mirror() == this,
                    "a pipeline's KV caches come from Model::new_cache");
      h.spans.push_back({s.row0, s.rows, s.pos0, s.cache ? s.cache->mirror.id() : -1,
                         s.cache ? s.cache->capacity : 0});
    }
    send_stage(comm_, 1, h, x, D_);
    recv_hidden_back(comm_, x, N, D_);
  }

  int64_t new_cache_id() override {
    const std::lock_guard<std::mutex> lock(mu_);
    return next_id_++;
  }

  void forked(int64_t dst, int64_t dst_capacity, int64_t src, int64_t n) override {
    const std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back({CacheOp::Fork, dst, dst_capacity, src, n});
  }

  void released(int64_t id) noexcept override {
    try {
      const std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back({CacheOp::Release, id, 0, -1, 0});
    } catch (...) {  // out of memory: the stage keeps a cache it no longer needs
    }
  }

 private:
  Comm& comm_;
  int64_t first_layer_, D_;
  std::mutex mu_;  // a server's threads may share the model
  std::vector<CacheOp> pending_;
  int64_t next_id_ = 0;
};

// A later stage's mirror of rank 0's caches: its layers only, by rank 0's ids.
class StageCaches {
 public:
  StageCaches(const Model& model) : model_(model) {}

  void apply(const CacheOp& op) {
    if (op.kind == CacheOp::Release) {
      caches_.erase(op.cache);
      return;
    }
    KvCache& dst = fit(op.cache, op.capacity);
    if (op.n == 0) {
      dst.truncate(0);
      return;
    }
    const auto src = caches_.find(op.source);
    if (src == caches_.end() || src->second.length < op.n)
      throw CommError("pipeline: fork of " + std::to_string(op.n) + " tokens from cache " +
                      std::to_string(op.source) + ", which this stage does not hold");
    dst.copy_prefix_from(src->second, op.n);
  }

  // The cache of a span, cut back to its position (rank 0 may have truncated it since).
  KvCache* at(const SpanHeader& s) {
    if (s.cache < 0) return nullptr;
    KvCache& c = fit(s.cache, s.capacity);
    if (s.pos0 > c.length || s.pos0 + s.rows > c.capacity)
      throw CommError("pipeline: cache " + std::to_string(s.cache) + " holds " +
                      std::to_string(c.length) + " of " + std::to_string(c.capacity) +
                      " tokens, a pass writes " + std::to_string(s.rows) + " at " +
                      std::to_string(s.pos0));
    c.truncate(s.pos0);
    return &c;
  }

 private:
  KvCache& fit(int64_t id, int64_t capacity) {
    auto it = caches_.find(id);
    if (it == caches_.end()) it = caches_.emplace(id, model_.new_cache(capacity)).first;
    it->second.reserve(capacity);
    return it->second;
  }

  const Model& model_;
  std::map<int64_t, KvCache> caches_;
};

// Ranks 1..: each pass from the rank before, through this rank's layers, to the next rank (the
// last sends the hidden states back to rank 0), until rank 0 says stop.
void serve_stage(Comm& comm, const Model& model) {
  const int me = comm.rank(), last = comm.size() - 1;
  const int64_t D = model.config().hidden_size;
  StageCaches caches(model);
  std::vector<float> x;  // [N, D]
  for (;;) {
    const StageHeader h = recv_stage_header(comm, me - 1);
    for (const CacheOp& op : h.cache_ops) caches.apply(op);
    if (h.op == StageOp::Stop) {
      if (me < last) send_stage(comm, me + 1, h, nullptr, D);
      return;
    }
    x.resize(size_t(h.rows * D));
    recv_hidden(comm, me - 1, x.data(), h.rows, D);
    SeqSpans spans;
    for (const SpanHeader& s : h.spans) spans.push_back({s.row0, s.rows, s.pos0, caches.at(s)});
    model.forward_layers(x.data(), h.rows, spans);
    if (me < last) {
      send_stage(comm, me + 1, h, x.data(), D);
    } else {
      send_hidden_back(comm, x.data(), h.rows, D);
    }
  }
}

// "rank 0/2 on vm: pipeline stage 1 of 2: embedding, layers 0..5 of 12, final norm, head and MTP
// layers, 1.23 GB mapped"
void state_part(const Comm& comm, const ModelConfig& c, const PipelinePlan& plan) {
  const int r = comm.rank();
  const bool mtp = c.is_deepseek() && c.num_nextn_predict_layers > 0;
  const std::string layers = "layers " + std::to_string(plan.first[size_t(r)]) + ".." +
                             std::to_string(plan.first[size_t(r) + 1] - 1) + " of " +
                             std::to_string(c.num_hidden_layers);
  const std::string held =
      r == 0 ? "embedding, " + layers + ", final norm, head" + (mtp ? " and MTP layers" : "")
             : layers;
  std::fprintf(stderr, "r1: %s: pipeline stage %d of %d: %s, %s mapped\n",
               comm.name_of(r).c_str(), r + 1, comm.size(), held.c_str(),
               si_units(double(plan.bytes[size_t(r)]), "B").c_str());
}

}  // namespace

std::string model_fingerprint(const ModelDir& dir) {
  const TensorSource& tensors = dir.tensors();
  uint64_t h = fnv1a(model_config_to_json(dir.config()).dump());
  const std::vector<float>& rope = dir.rope_freq_factors();
  h = fnv1a_words(rope.data(), rope.size() * sizeof(float), h);
  const std::vector<std::string> names = tensors.names();
  for (const std::string& name : names) {
    const TensorInfo t = tensors.info(name);
    h = fnv1a(name + " " + dtype_name(t.dtype) + " " + shape_str(t.shape) + ";", h);
  }
  return "config and " + std::to_string(names.size()) + " tensors, fnv1a " + std::to_string(h);
}

std::unique_ptr<Model> load_inference_model(const ModelDir& dir, Comm& world,
                                            const std::string& layer_counts) {
  const std::vector<int64_t> counts = parse_layer_counts(layer_counts);
  if (world.size() == 1) {
    if (!counts.empty())
      plan_pipeline(model_bytes(dir.config(), dir.tensors()), 1, counts);  // its checks only
    return dir.load_model();
  }
  check_ranks_agree(world, "model (config and tensor metadata)", model_fingerprint(dir));
  const ModelConfig& c = dir.config();
  const PipelinePlan plan = plan_pipeline(model_bytes(c, dir.tensors()), world.size(), counts);
  check_ranks_agree(world, "pipeline split (--pipeline-layers)", plan.layer_counts());
  state_part(world, c, plan);
  const int r = world.rank();
  if (r == 0)
    return dir.load_model(plan.part(0),
                          std::make_shared<PipelineHead>(world, plan.first[1], c.hidden_size));
  const std::unique_ptr<Model> stage = dir.load_model(plan.part(r));
  serve_stage(world, *stage);
  return nullptr;
}

}  // namespace r1
