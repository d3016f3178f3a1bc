// Pipeline stages over a Comm: rank 0's PipelineHead (the LaterStages of its model) sends each
// pass down the ranks and takes the hidden states back; ranks 1.. run serve_stage.
#include "infer/pipeline.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <thread>

#include "checkpoint/config_json.h"
#include "core/hash.h"
#include "core/si_units.h"
#include "infer/pipeline_messages.h"
#include "infer/pipeline_plan.h"
#include "infer/pipeline_stage.h"

namespace r1 {

namespace {

// Rank 0's view of ranks 1.. over MPI: every pass goes to rank 1 and comes back from the last
// rank, in the order sent. After keep_alive_s without a message, a thread sends a KeepAlive.
class PipelineHead : public StagesHead {
 public:
  PipelineHead(Comm& comm, int64_t first_layer, int64_t D, double keep_alive_s)
      : StagesHead(first_layer, comm.size() - 1),
        comm_(comm),
        D_(D),
        keep_alive_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(keep_alive_s))),
        last_sent_(Clock::now()),
        keep_alive_thread_([this] { keep_alive(); }) {}
  // Tells the stages to stop, unless an error is ending the run (main then aborts every rank).
  ~PipelineHead() override {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    stop_.notify_one();
    keep_alive_thread_.join();
    if (std::uncaught_exceptions() > 0) return;
    try {
      send_stage(comm_, 1, StageHeader{StageOp::Stop, 0, {}, {}}, nullptr, D_);
    } catch (const Error& e) {
      std::fprintf(stderr, "r1: error: %s\n", e.what());
    }
  }

  // One pass there and back; the lock keeps another thread's pass out of between.
  void forward(float* x, int64_t N, const SeqSpans& spans) override {
    const std::lock_guard<std::mutex> lock(mu_);
    send_locked(x, N, spans);
    receive_locked(x, N);
  }

  void send(const float* x, int64_t N, const SeqSpans& spans) override {
    const std::lock_guard<std::mutex> lock(mu_);
    send_locked(x, N, spans);
  }

  void receive(float* x, int64_t N) override {
    const std::lock_guard<std::mutex> lock(mu_);
    receive_locked(x, N);
  }

 private:
  using Clock = std::chrono::steady_clock;

  void send_locked(const float* x, int64_t N, const SeqSpans& spans) {
    in_flight_.push_back(isend_stage(comm_, 1, pass_header(N, spans), x, D_));
    last_sent_ = Clock::now();
  }

  void keep_alive() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_.wait_until(lock, last_sent_ + keep_alive_, [this] { return stopping_; })) {
      if (Clock::now() < last_sent_ + keep_alive_) continue;  // a pass went meanwhile
      try {
        send_stage(comm_, 1, StageHeader{StageOp::KeepAlive, 0, {}, {}}, nullptr, D_);
      } catch (const Error& e) {  // a pass will meet the same failure and report it
        std::fprintf(stderr, "r1: error: %s\n", e.what());
        return;
      }
      last_sent_ = Clock::now();
    }
  }

  void receive_locked(float* x, int64_t N) {
    R1_ASSERT_MSG(!in_flight_.empty(), "PipelineHead::receive without a pass in flight");
    in_flight_.front()->wait();  // x is the buffer it sent from
    in_flight_.pop_front();
    recv_hidden_back(comm_, x, N, D_);
  }

  Comm& comm_;
  int64_t D_;
  std::deque<std::unique_ptr<OutgoingStage>> in_flight_;  // passes sent, oldest first
  const Clock::duration keep_alive_;
  Clock::time_point last_sent_;  // under mu_, as stopping_
  bool stopping_ = false;
  std::condition_variable stop_;
  std::thread keep_alive_thread_;  // last: starts once the rest is set
};

// Ranks 1..: each pass from the rank before, through this rank's layers, to the next rank (the
// last sends the hidden states back to rank 0), until rank 0 says stop. A pass's output leaves
// while the next pass is received and computed: two buffers, one of them in flight.
void serve_stage(Comm& comm, const Model& model) {
  const int me = comm.rank(), last = comm.size() - 1;
  const int64_t D = model.config().hidden_size;
  PipelineStage stage(model);
  std::vector<float> buffers[2];  // [N, D] each
  std::unique_ptr<OutgoingStage> onward;
  std::unique_ptr<SendRequest> back;
  auto wait_sent = [&] {
    if (onward) onward->wait();
    if (back) back->wait();
    onward.reset(), back.reset();
  };
  for (int next_buffer = 0;;) {
    const StageHeader h = recv_stage_header(comm, me - 1);
    if (h.op == StageOp::KeepAlive) {
      if (me < last) send_stage(comm, me + 1, h, nullptr, D);
      continue;
    }
    std::vector<float>& x = buffers[next_buffer];  // the other one may be in flight
    next_buffer ^= 1;
    x.resize(size_t(h.rows * D));
    if (h.op == StageOp::Forward) recv_hidden(comm, me - 1, x.data(), h.rows, D);
    stage.run(h, x.data());
    wait_sent();
    if (h.op == StageOp::Stop) {
      if (me < last) send_stage(comm, me + 1, h, nullptr, D);
      return;
    }
    if (me < last) {
      onward = isend_stage(comm, me + 1, h, x.data(), D);
    } else {
      back = isend_hidden_back(comm, x.data(), h.rows, D);
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
  std::fprintf(stderr, "r1: %s: pipeline stage %d of %d: %s, %s mapped\n", comm.name_of(r).c_str(),
               r + 1, comm.size(), held.c_str(),
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
                          std::make_shared<PipelineHead>(world, plan.first[1], c.hidden_size,
                                                         comm_timeout_from_env() / 4));
  const std::unique_ptr<Model> stage = dir.load_model(plan.part(r));
  serve_stage(world, *stage);
  return nullptr;
}

}  // namespace r1
