// One request's place in the batch engine: the thread-safe channel through which the scheduler
// thread hands its tokens to the HTTP thread that serves it, and the flag that cancels it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace r1::server {

// One token of one choice.
struct TokenEvent {
  int choice = 0;             // sample index in [0, n)
  std::string text;           // text now safe to show (may be empty)
  std::string finish_reason;  // set on the choice's last token: "stop" or "length"
};

class GenerationJob {
 public:
  GenerationJob(int choices, int64_t prompt_tokens);

  // HTTP thread. Waits up to `timeout` for events and moves them into `out` (appending).
  // Returns false once the job is over: the events moved by that call are its last.
  bool wait(std::vector<TokenEvent>& out, std::chrono::milliseconds timeout);
  // Asks the scheduler to drop the job (client gone); its slots free at the next step.
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  // Why the engine gave up on the job (server stopping, a failed forward pass), if it did.
  std::optional<std::string> failure() const;

  int choices() const { return choices_; }
  int64_t prompt_tokens() const { return prompt_tokens_; }

  // Scheduler thread.
  void push(std::vector<TokenEvent> events);
  void finish();                          // every choice finished or the job was dropped
  void fail(const std::string& message);  // finish() with a reason

 private:
  const int choices_;
  const int64_t prompt_tokens_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<TokenEvent> events_;
  bool over_ = false;
  std::optional<std::string> failure_;
};

}  // namespace r1::server
