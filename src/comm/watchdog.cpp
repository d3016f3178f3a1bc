// Watchdog: one thread looking at the armed deadline a few times per timeout, then exiting the
// process. Arming only writes the deadline (no wake-up): it runs around every pipeline hop.
#include "comm/watchdog.h"

#include <algorithm>
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
  const std::lock_guard<std::mutex> lock(mutex_);
  armed_ = true;
  what_ = std::move(what);
  deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout_);
}

void Watchdog::disarm() {
  const std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;
}

void Watchdog::watch() {
  // A stall is noticed at most a quarter of the timeout (and never more than a second) late.
  const auto check_every = std::chrono::duration_cast<Clock::duration>(
      std::min(timeout_ / 4, std::chrono::duration<double>(1.0)));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, check_every);
    if (armed_ && !stopping_ && Clock::now() >= deadline_) {
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
