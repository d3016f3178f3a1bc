// The scheduler loop: admit queued requests while slots last, drop cancelled ones, run one
// batched step, hand each token to its request's channel, free the slots of finished choices.
#include "server/batch_engine.h"

#include <chrono>

#include "core/error.h"
#include "server/api_error.h"

namespace r1::server {

namespace {

// tokens_per_second covers the steps of this many last seconds.
constexpr double kRateWindowSeconds = 10.0;

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

BatchEngine::BatchEngine(const Model& model, const Tokenizer* tokenizer,
                         std::vector<int32_t> stop_ids, EngineOptions options)
    : options_(options),
      tokenizer_(tokenizer),
      decoder_(model, tokenizer, std::move(stop_ids), options.cache_ram_bytes) {
  if (options_.parallel < 1)
    throw UsageError("--parallel must be >= 1, got " + std::to_string(options_.parallel));
  if (options_.max_queue < 0)
    throw UsageError("--queue must be >= 0, got " + std::to_string(options_.max_queue));
  scheduler_ = std::thread([this] { schedule_loop(); });
}

BatchEngine::~BatchEngine() {
  stop();
}

std::shared_ptr<GenerationJob> BatchEngine::submit(const GenerationRequest& request) {
  try {
    validate_request(request, tokenizer_);
  } catch (const UsageError& e) {
    throw invalid_request(e.what());
  }
  if (request.n > options_.parallel)
    throw invalid_request("n = " + std::to_string(request.n) + " is more than the server's " +
                              std::to_string(options_.parallel) + " slots (--parallel)",
                          "n");
  auto job = std::make_shared<GenerationJob>(request.n, int64_t(request.prompt.size()));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw overloaded("the server is shutting down");
    // Requests that will start at the scheduler's next look (free slots, first come first
    // served) are not waiting; the queue bounds the others.
    int64_t free = options_.parallel - reserved_slots_;
    size_t starting = 0;
    while (starting < queue_.size() && queue_[starting].request.n <= free)
      free -= queue_[starting++].request.n;
    const size_t waiting = queue_.size() - starting;
    if ((waiting > 0 || request.n > free) && waiting >= size_t(options_.max_queue))
      throw overloaded("all " + std::to_string(options_.parallel) + " slots are busy and " +
                       std::to_string(waiting) +
                       " requests are already waiting (--queue); retry later");
    queue_.push_back({job, request});
  }
  wake_.notify_all();
  return job;
}

void BatchEngine::stop() {
  std::deque<Queued> abandoned;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    abandoned.swap(queue_);
  }
  wake_.notify_all();
  for (Queued& q : abandoned) q.job->fail("the server is shutting down");
  if (scheduler_.joinable()) scheduler_.join();
}

EngineStats BatchEngine::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  EngineStats s;
  s.slots = options_.parallel;
  s.active_slots = reserved_slots_;
  s.queued = int64_t(queue_.size());
  s.prompt_tokens = prompt_tokens_;
  s.generated_tokens = generated_tokens_;
  s.prefix_cache = prefix_cache_;
  const double since = seconds_now() - kRateWindowSeconds;
  double busy = 0;
  int64_t tokens = 0;
  for (const StepRecord& r : recent_steps_)
    if (r.end >= since) busy += r.seconds, tokens += r.tokens;
  s.tokens_per_second = busy > 0 ? double(tokens) / busy : 0.0;
  return s;
}

void BatchEngine::schedule_loop() {
  for (;;) {
    std::vector<Queued> admitted;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty() || !running_.empty(); });
      if (stopping_) break;
      admitted = admit_locked();
    }
    for (Queued& q : admitted) start_running(q);
    drop_cancelled();
    if (!running_.empty()) decode_step();
  }
  fail_running("the server is shutting down");
}

std::vector<BatchEngine::Queued> BatchEngine::admit_locked() {
  std::vector<Queued> admitted;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (!it->job->cancelled()) {
      ++it;
      continue;
    }
    it->job->finish();
    it = queue_.erase(it);
  }
  // First come, first served: a wide request at the head is not overtaken by narrower ones.
  while (!queue_.empty() && reserved_slots_ + queue_.front().request.n <= options_.parallel) {
    Queued& q = queue_.front();
    reserved_slots_ += q.request.n;
    prompt_tokens_ += int64_t(q.request.prompt.size());
    admitted.push_back(std::move(q));
    queue_.pop_front();
  }
  return admitted;
}

void BatchEngine::start_running(Queued& q) {
  std::vector<int64_t> ids;
  try {
    ids = decoder_.add(q.request);
  } catch (const std::exception& e) {
    release_slots(q.request.n);
    q.job->fail(e.what());
    return;
  }
  auto run = std::make_unique<Running>(Running{q.job, ids, int(ids.size())});
  for (size_t i = 0; i < ids.size(); ++i) sequence_owner_[ids[i]] = {run.get(), int(i)};
  running_.push_back(std::move(run));
}

void BatchEngine::release_slots(int64_t slots) {
  std::lock_guard<std::mutex> lock(mutex_);
  reserved_slots_ -= slots;
}

void BatchEngine::drop_cancelled() {
  for (auto it = running_.begin(); it != running_.end();) {
    Running& run = **it;
    if (!run.job->cancelled()) {
      ++it;
      continue;
    }
    for (int64_t id : run.sequences) {
      if (sequence_owner_.erase(id)) decoder_.remove(id);
    }
    release_slots(run.unfinished);
    run.job->finish();
    it = running_.erase(it);
  }
}

void BatchEngine::decode_step() {
  const double t0 = seconds_now();
  std::vector<DecodeEvent> events;
  try {
    events = decoder_.step();
  } catch (const std::exception& e) {
    fail_running(std::string("generation failed: ") + e.what());
    return;
  }
  std::map<Running*, std::vector<TokenEvent>> delivered;
  int64_t freed = 0;
  for (DecodeEvent& e : events) {
    const auto owner = sequence_owner_.find(e.sequence);
    if (owner == sequence_owner_.end()) continue;
    auto [run, choice] = owner->second;
    if (!e.finish_reason.empty()) {
      --run->unfinished;
      ++freed;
      sequence_owner_.erase(owner);
    }
    delivered[run].push_back({choice, std::move(e.text), std::move(e.finish_reason)});
  }
  {
    // Counted before any job hears of its end, so a client that got its answer sees the slot
    // free in /metrics.
    std::lock_guard<std::mutex> lock(mutex_);
    reserved_slots_ -= freed;
    generated_tokens_ += int64_t(events.size());
    prefix_cache_ = decoder_.prefix_cache_stats();
    const double t1 = seconds_now();
    recent_steps_.push_back({t1, t1 - t0, int64_t(events.size())});
    while (!recent_steps_.empty() && recent_steps_.front().end < t1 - kRateWindowSeconds)
      recent_steps_.pop_front();
  }
  for (auto& [run, tokens] : delivered) run->job->push(std::move(tokens));
  for (auto it = running_.begin(); it != running_.end();) {
    if ((*it)->unfinished > 0) {
      ++it;
      continue;
    }
    (*it)->job->finish();
    it = running_.erase(it);
  }
}

void BatchEngine::fail_running(const std::string& message) {
  decoder_.clear();
  sequence_owner_.clear();
  int64_t slots = 0;
  for (const auto& run : running_) slots += run->unfinished;
  release_slots(slots);
  for (const auto& run : running_) run->job->fail(message);
  running_.clear();
}

}  // namespace r1::server
