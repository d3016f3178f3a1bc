// The handler side of a job: wait briefly for tokens, check the client between waits.
#include "server/job_stream.h"

#include <chrono>
#include <vector>

namespace r1::server {

namespace {

// How long a handler waits for tokens before it checks its client again.
constexpr std::chrono::milliseconds kClientPoll{20};

}  // namespace

JobEnd follow_job(GenerationJob& job, ResponseWriter& writer,
                  const std::function<bool(const TokenEvent&)>& on_token) {
  std::vector<TokenEvent> events;
  for (;;) {
    events.clear();
    const bool more = job.wait(events, kClientPoll);
    for (const TokenEvent& e : events) {
      if (!on_token(e)) {
        job.cancel();
        return {true, std::nullopt};
      }
    }
    if (!more) return {false, job.failure()};
    if (writer.client_gone()) {
      job.cancel();
      return {true, std::nullopt};
    }
  }
}

}  // namespace r1::server
