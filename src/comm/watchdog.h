// A deadline on blocking calls: a call that outlasts it ends the process with one message.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace r1 {

// Blocking MPI calls (which run MPI's own collective algorithms and move data without being
// polled) cannot time out by themselves. Armed around each one, the watchdog's thread prints
// "r1: error: <who> waited N s for <what>: another rank stalled or died ..." and ends this
// process (exit code 1) once the deadline passes; `mpirun` then ends the other ranks.
class Watchdog {
 public:
  Watchdog(std::string who, double timeout_s);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(std::string what);  // before the call: what it waits for ("an all-reduce of ...")
  void disarm();               // after it returned

 private:
  void watch();

  using Clock = std::chrono::steady_clock;
  const std::string who_;
  const std::chrono::duration<double> timeout_;
  std::mutex mutex_;
  std::condition_variable changed_;  // signalled only to stop
  bool armed_ = false, stopping_ = false;
  Clock::time_point deadline_;
  std::string what_;
  std::thread thread_;
};

// Arms a watchdog for one scope.
class WatchdogScope {
 public:
  WatchdogScope(Watchdog& w, std::string what) : w_(w) { w_.arm(std::move(what)); }
  ~WatchdogScope() { w_.disarm(); }
  WatchdogScope(const WatchdogScope&) = delete;
  WatchdogScope& operator=(const WatchdogScope&) = delete;

 private:
  Watchdog& w_;
};

}  // namespace r1
