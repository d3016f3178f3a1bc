// OpenAI-compatible error bodies and the status each kind of failure is answered with.
#include "server/api_error.h"

#include <utility>

#include "io/json_file.h"

namespace r1::server {

ApiError::ApiError(int status, std::string type, const std::string& message,
                   std::optional<std::string> param, std::optional<std::string> code)
    : Error(message),
      status_(status),
      type_(std::move(type)),
      param_(std::move(param)),
      code_(std::move(code)) {}

std::string ApiError::to_json() const {
  Json error = {{"message", what()}, {"type", type_}, {"param", nullptr}, {"code", nullptr}};
  if (param_) error["param"] = *param_;
  if (code_) error["code"] = *code_;
  // Messages quote request bytes, which need not be UTF-8: replace rather than throw.
  return Json{{"error", std::move(error)}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

HttpResponse ApiError::to_response() const {
  HttpResponse r = HttpResponse::json(status_, to_json());
  if (status_ == 401) r.headers.push_back({"WWW-Authenticate", "Bearer"});
  if (status_ == 503 || status_ == 429) r.headers.push_back({"Retry-After", "1"});
  return r;
}

ApiError invalid_request(const std::string& message, std::optional<std::string> param,
                         std::optional<std::string> code) {
  return ApiError(400, "invalid_request_error", message, std::move(param), std::move(code));
}

ApiError authentication_error(const std::string& message) {
  return ApiError(401, "authentication_error", message, std::nullopt, "invalid_api_key");
}

ApiError not_found(const std::string& message, std::optional<std::string> param,
                   std::optional<std::string> code) {
  return ApiError(404, "not_found_error", message, std::move(param), std::move(code));
}

ApiError method_not_allowed(const std::string& method, const std::string& path) {
  return ApiError(
      405, "invalid_request_error",
      "method " + quote_untrusted(method) + " is not allowed on " + quote_untrusted(path),
      std::nullopt, "method_not_allowed");
}

ApiError rate_limited(const std::string& message) {
  return ApiError(429, "rate_limit_error", message, std::nullopt, "rate_limit_exceeded");
}

ApiError server_error(const std::string& message) {
  return ApiError(500, "server_error", message);
}

ApiError overloaded(const std::string& message) {
  return ApiError(503, "unavailable_error", message, std::nullopt, "server_overloaded");
}

ApiError from_parse_error(const HttpParseError& error) {
  const char* type = error.status >= 500 ? "server_error" : "invalid_request_error";
  return ApiError(error.status, type, error.message);
}

void bad_field(const std::string& field, const std::string& expected, const Json& got,
               std::optional<std::string> param) {
  throw invalid_request("'" + field + "' must be " + expected + ", got " + json_preview(got),
                        param ? std::move(param) : field);
}

}  // namespace r1::server
