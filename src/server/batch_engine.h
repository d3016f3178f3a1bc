// Continuous batching for the server: one scheduler thread owns the model and decodes every
// running request in one batched forward pass per step; requests wait in a bounded queue and
// join the batch as soon as enough slots are free.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "infer/batch_decoder.h"
#include "server/generation_job.h"

namespace r1::server {

struct EngineOptions {
  int parallel = 4;    // slots: sequences decoded together (a request with n choices takes n)
  int max_queue = 64;  // requests waiting for slots; more are refused with 503
  int64_t cache_ram_bytes = 0;  // the prefix cache's budget (--cache-ram); 0: no prefix cache
};

struct EngineStats {
  int64_t slots = 0, active_slots = 0, queued = 0;
  int64_t prompt_tokens = 0, generated_tokens = 0;  // totals since start
  double tokens_per_second = 0;                     // generated over the last few seconds
  PrefixCacheStats prefix_cache;
};

class BatchEngine {
 public:
  // model and tokenizer must outlive the engine; starts the scheduler thread.
  BatchEngine(const Model& model, const Tokenizer* tokenizer, std::vector<int32_t> stop_ids,
              EngineOptions options);
  ~BatchEngine();
  BatchEngine(const BatchEngine&) = delete;
  BatchEngine& operator=(const BatchEngine&) = delete;

  // Queues a request. ApiError 400 for an invalid request or n above the slots, 503 when the
  // queue is full or the engine is stopping.
  std::shared_ptr<GenerationJob> submit(const GenerationRequest& request);
  // Fails every queued and running job and joins the scheduler. Idempotent.
  void stop();

  EngineStats stats() const;
  const EngineOptions& options() const { return options_; }

 private:
  struct Running {
    std::shared_ptr<GenerationJob> job;
    std::vector<int64_t> sequences;  // decoder ids, choice order
    int unfinished = 0;
  };
  struct Queued {
    std::shared_ptr<GenerationJob> job;
    GenerationRequest request;
  };

  void schedule_loop();
  // Under mutex_: drops cancelled queued jobs, moves queued jobs into the batch while slots last.
  std::vector<Queued> admit_locked();
  void start_running(Queued& queued);
  void drop_cancelled();
  void decode_step();
  void fail_running(const std::string& message);
  void release_slots(int64_t slots);

  struct StepRecord {
    double end, seconds;  // steady-clock seconds
    int64_t tokens;
  };

  const EngineOptions options_;
  const Tokenizer* tokenizer_;
  BatchDecoder decoder_;                                        // scheduler thread only
  std::map<int64_t, std::pair<Running*, int>> sequence_owner_;  // scheduler: id -> (job, choice)
  std::deque<std::unique_ptr<Running>> running_;                // scheduler thread only

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  int64_t reserved_slots_ = 0;  // choices of running jobs not finished or dropped yet
  bool stopping_ = false;
  int64_t prompt_tokens_ = 0, generated_tokens_ = 0;
  PrefixCacheStats prefix_cache_;  // the decoder's, copied after each change
  std::deque<StepRecord> recent_steps_;  // the last kRateWindowSeconds of steps
  std::thread scheduler_;
};

}  // namespace r1::server
