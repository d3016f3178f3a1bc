// OpenAI-style API errors: {"error": {"message", "type", "param", "code"}} with the HTTP status
// they are answered with. Thrown by request validation and handlers, turned into a response by
// the server.
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "io/json_file.h"
#include "server/http_request.h"
#include "server/http_response.h"

namespace r1::server {

class ApiError : public Error {
 public:
  ApiError(int status, std::string type, const std::string& message,
           std::optional<std::string> param = std::nullopt,
           std::optional<std::string> code = std::nullopt);

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::optional<std::string>& param() const { return param_; }
  const std::optional<std::string>& code() const { return code_; }

  std::string to_json() const;  // the error body; "param" and "code" are null when absent
  HttpResponse to_response() const;

 private:
  int status_;
  std::string type_;
  std::optional<std::string> param_;
  std::optional<std::string> code_;
};

// The usual errors, by status.
ApiError invalid_request(const std::string& message,
                         std::optional<std::string> param = std::nullopt,
                         std::optional<std::string> code = std::nullopt);  // 400
ApiError authentication_error(const std::string& message);                 // 401
ApiError not_found(const std::string& message, std::optional<std::string> param = std::nullopt,
                   std::optional<std::string> code = std::nullopt);               // 404
ApiError method_not_allowed(const std::string& method, const std::string& path);  // 405
ApiError rate_limited(const std::string& message);                                // 429
ApiError server_error(const std::string& message);                                // 500
ApiError overloaded(const std::string& message);                                  // 503

// 400 "'FIELD' must be EXPECTED, got <a preview of got>" whose param is the field, or `param`
// when given (a part of a field that names the whole).
[[noreturn]] void bad_field(const std::string& field, const std::string& expected, const Json& got,
                            std::optional<std::string> param = std::nullopt);

// A request the HTTP parser rejected (400, 408, 411, 413, 431, 501, 505), as an API error.
ApiError from_parse_error(const HttpParseError& error);

}  // namespace r1::server
