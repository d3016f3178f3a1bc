// Following a GenerationJob from the HTTP thread: hands its tokens to the endpoint as they come
// and cancels the job the moment the client is gone.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "server/generation_job.h"
#include "server/http_server.h"

namespace r1::server {

struct JobEnd {
  bool client_gone = false;
  std::optional<std::string> failure;  // the engine gave up on the job (see GenerationJob)
};

// on_token returns false when it could not deliver (a failed write): the job is cancelled.
JobEnd follow_job(GenerationJob& job, ResponseWriter& writer,
                  const std::function<bool(const TokenEvent&)>& on_token);

}  // namespace r1::server
