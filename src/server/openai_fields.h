// Every field of OpenAI's /v1/chat/completions and /v1/completions request bodies (and a few
// common extensions) with what this server does with it: one table, checked before a body is
// parsed, so that a field that would change the answer is never silently ignored.
#pragma once

#include <span>
#include <string_view>

#include "io/json_file.h"

namespace r1::server {

enum class ApiEndpoint : unsigned { kChat = 1, kCompletion = 2, kBoth = 3 };

enum class FieldTreatment {
  kImplemented,  // honoured
  kIgnored,      // accepted and ignored: it does not change the answer
  kRefused,      // 400 invalid_request_error naming the field, unless its value is neutral
};

struct OpenAiField {
  std::string_view name;
  ApiEndpoint endpoints;
  FieldTreatment treatment;
  std::string_view note;  // what it does here, or why it is refused
  // kRefused only: the value (beyond null) that asks for nothing and is accepted, as JSON text
  // ("false", "[]", "{\"type\":\"text\"}"), or several separated by '|'; empty: none.
  std::string_view neutral = "";
};

std::span<const OpenAiField> openai_fields();

// Throws ApiError 400 (param: the field) for the first field of `body` (a JSON object) that
// this endpoint refuses with a value other than null or a neutral one. Fields not in the table
// are ignored, as OpenAI-compatible servers do with extensions they do not know.
void refuse_unsupported_fields(const Json& body, ApiEndpoint endpoint);

}  // namespace r1::server
