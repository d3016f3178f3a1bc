// A request body with its keys in the order sent: what is passed on in that order (a JSON
// Schema, tools, template variables) is read from it. The text is parsed again only when such a
// field is present, and then once.
#pragma once

#include <optional>
#include <string_view>

#include "chat/chat_template.h"

namespace r1::server {

class OrderedBody {
 public:
  explicit OrderedBody(std::string_view text) : text_(text) {}
  // The value of `field` as sent (the body is a JSON object already checked by parse_json).
  const OrderedJson& at(const char* field) {
    if (!parsed_) parsed_ = parse_ordered_json("request body", std::string(text_));
    return parsed_->at(field);
  }

 private:
  std::string_view text_;
  std::optional<OrderedJson> parsed_;
};

}  // namespace r1::server
