// The engine-to-handler channel: a mutex-guarded queue of token events and an end marker.
#include "server/generation_job.h"

namespace r1::server {

GenerationJob::GenerationJob(int choices, int64_t prompt_tokens)
    : choices_(choices), prompt_tokens_(prompt_tokens) {}

bool GenerationJob::wait(std::vector<TokenEvent>& out, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait_for(lock, timeout, [this] { return !events_.empty() || over_; });
  for (TokenEvent& e : events_) out.push_back(std::move(e));
  events_.clear();
  return !over_;
}

std::optional<std::string> GenerationJob::failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

void GenerationJob::push(std::vector<TokenEvent> events) {
  if (events.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (TokenEvent& e : events) events_.push_back(std::move(e));
  }
  ready_.notify_all();
}

void GenerationJob::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    over_ = true;
  }
  ready_.notify_all();
}

void GenerationJob::fail(const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!over_) failure_ = message;
    over_ = true;
  }
  ready_.notify_all();
}

}  // namespace r1::server
