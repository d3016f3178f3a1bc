// Copying byte ranges of strings together with the parts of their data ranges that fall
// inside them.
#include "chat/jinja_text_builder.h"

#include <algorithm>

namespace r1::jinja {

void TextBuilder::append_part(const Value& s, size_t begin, size_t end) {
  const std::string_view text(s.as_string());
  if (!s.has_data()) {
    out_.append_template(text.substr(begin, end - begin));
    return;
  }
  const ByteRanges& data = s.data_ranges();
  // The first range that ends after `begin`; ranges are sorted and disjoint.
  auto it = std::upper_bound(data.begin(), data.end(), begin,
                             [](size_t pos, const auto& r) { return pos < r.second; });
  size_t at = begin;
  for (; it != data.end() && it->first < end; ++it) {
    const size_t b = std::max(it->first, at), e = std::min(it->second, end);
    out_.append_template(text.substr(at, b - at));
    out_.append_data(text.substr(b, e - b));
    at = e;
  }
  out_.append_template(text.substr(at, end - at));
}

void TextBuilder::append_str(const Value& v) {
  if (v.is_string()) {
    append(v);
  } else if (v.has_data()) {
    out_.append_data(to_str(v));
  } else {
    out_.append_template(to_str(v));
  }
}

Value TextBuilder::build() && {
  return Value::with_data(std::move(out_.text), std::move(out_.data_ranges));
}

std::vector<size_t> utf8_offsets(const std::string& s) {
  std::vector<size_t> at;
  size_t pos = 0;
  for (const std::string& c : utf8_chars(s)) {
    at.push_back(pos);
    pos += c.size();
  }
  at.push_back(pos);
  return at;
}

Value substring(const Value& s, size_t begin, size_t end) {
  if (!s.has_data()) return Value(s.as_string().substr(begin, end - begin));
  TextBuilder b;
  b.append_part(s, begin, end);
  return std::move(b).build();
}

}  // namespace r1::jinja
