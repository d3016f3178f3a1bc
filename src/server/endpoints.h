// The generation endpoints of the OpenAI API. Each parses and checks its request, submits it to
// the engine and answers as one JSON object or as a stream of server-sent events; it returns
// the status to count (499 when the client left first). ApiError for anything rejected before
// the answer starts.
#pragma once

#include <cstdint>
#include <string>

#include "server/batch_engine.h"
#include "server/http_server.h"
#include "server/served_model.h"

namespace r1::server {

struct ApiContext {
  const ServedModel& model;
  BatchEngine& engine;
};

int serve_chat_completions(const ApiContext& api, const HttpRequest& request, ResponseWriter& w);
int serve_completions(const ApiContext& api, const HttpRequest& request, ResponseWriter& w);

// Shared by both: "<prefix>-<24 hex digits>", the Unix time, the usage object.
std::string response_id(const std::string& prefix);
int64_t unix_time();
Json usage_json(int64_t prompt_tokens, int64_t completion_tokens, int64_t reasoning_tokens);
// {"id", "object", "created", "model", "choices"}: how every answer and stream chunk starts.
Json answer_json(const std::string& id, const std::string& object, int64_t created,
                 const std::string& model, Json choices);
// Serialised for the wire; bytes that are not UTF-8 become U+FFFD instead of throwing.
std::string dump_json(const Json& j);
// Ends a stream that ran to the end: `last` (a chunk with no choices) carrying the usage when
// the client asked for it, then [DONE]. Returns 200.
int end_stream(ResponseWriter& w, Json last, bool include_usage, const Json& usage);
// Sends a whole answer with its usage. Returns 200.
int respond_answer(ResponseWriter& w, Json answer, const Json& usage);
// Ends an answer the engine gave up on: an error event in a stream, else the ApiError thrown.
int answer_failure(ResponseWriter& w, const std::string& failure);

}  // namespace r1::server
