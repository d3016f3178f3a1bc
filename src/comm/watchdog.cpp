// Watchdog: one thread sleeping until the armed deadline, then exiting the process.
#include "comm/watchdog.h"

#include <cstdio>
#include <cstdlib>

namespace r1 {

Watchdog::Watchdog(std::string who, double timeout_s)
    : who_(std::move(who)), timeout_(timeout_s), thread_([this] { watch(); }) {}

Watchdog::~Watchdog() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  thread_.join();
}

void Watchdog::arm(std::string what) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    armed_ = true;
    what_ = std::move(what);
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout_);
  }
  changed_.notify_one();
}

void Watchdog::disarm() {
  const std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;
}

void Watchdog::watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (!armed_) {
      changed_.wait(lock);
      continue;
    }
    const Clock::time_point deadline = deadline_;
    changed_.wait_until(lock, deadline);
    if (armed_ && !stopping_ && deadline_ == deadline && Clock::now() >= deadline) {
      std::fprintf(stderr,
                   "r1: error: %s waited %.0f s for %s: another rank stalled or died "
                   "(R1_COMM_TIMEOUT sets the wait)\n",
                   who_.c_str(), timeout_.count(), what_.c_str());
      std::fflush(stderr);
      std::_Exit(1);
    }
  }
}

}  // namespace r1
