// Builds a string piece by piece while keeping which of its bytes came from data: what the
// renderer's output, `~`, `+`, slices, strip, split and join use so that a rendered prompt
// knows exactly which bytes the template wrote.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chat/jinja_value.h"
#include "tokenizer/prompt_text.h"

namespace r1::jinja {

class TextBuilder {
 public:
  // Template (or program) text: no data.
  void append_clean(std::string_view s) { out_.append_template(s); }
  // A string value with its data ranges.
  void append(const Value& s) { append_part(s, 0, s.as_string().size()); }
  // Bytes [begin, end) of string value s with the data ranges that fall inside them.
  void append_part(const Value& s, size_t begin, size_t end);
  // to_str(v) of any value: strings keep their ranges; others are all data if they hold any.
  void append_str(const Value& v);

  size_t size() const { return out_.text.size(); }
  Value build() &&;
  PromptText take() && { return std::move(out_); }

 private:
  PromptText out_;
};

// Byte offsets where the code points of s start, then s.size().
std::vector<size_t> utf8_offsets(const std::string& s);

// Piece [begin, end) of string value s as a value with its own data ranges.
Value substring(const Value& s, size_t begin, size_t end);

}  // namespace r1::jinja
