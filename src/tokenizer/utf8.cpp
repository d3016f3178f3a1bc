// UTF-8 validation, decoding and the replacement policy for invalid input.
#include "tokenizer/utf8.h"

#include <cstring>

namespace r1::tok {

size_t utf8_valid_len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c == 0xE0)
    n = 3, lo = 0xA0;
  else if (c == 0xED)
    n = 3, hi = 0x9F;
  else if (c >= 0xE1 && c <= 0xEF)
    n = 3;
  else if (c == 0xF0)
    n = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3)
    n = 4;
  else if (c == 0xF4)
    n = 4, hi = 0x8F;
  else
    return 0;
  if (i + 1 >= s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (i + k >= s.size() || (b(i + k) & 0xC0) != 0x80) return 0;
  return n;
}

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    // Eight ASCII bytes at a time: most text is mostly ASCII.
    uint64_t w;
    if (i + 8 <= s.size() && (std::memcpy(&w, s.data() + i, 8), (w & 0x8080808080808080ULL) == 0)) {
      i += 8;
      continue;
    }
    const size_t n = utf8_valid_len(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

namespace {

// The length of the maximal ill-formed subpart at s[i] (which is not a well-formed sequence):
// the lead byte plus the continuation bytes that were still valid.
size_t ill_formed_len(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t skip = 1;
  size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 1;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c == 0xE0) lo = 0xA0;
  if (c == 0xED) hi = 0x9F;
  if (c == 0xF0) lo = 0x90;
  if (c == 0xF4) hi = 0x8F;
  if (c > 0xF4) want = 1;
  while (skip < want && i + skip < s.size()) {
    const unsigned char d = static_cast<unsigned char>(s[i + skip]);
    const bool ok = skip == 1 ? (d >= lo && d <= hi) : (d & 0xC0) == 0x80;
    if (!ok) break;
    ++skip;
  }
  return skip;
}

}  // namespace

std::string sanitize_utf8(std::string_view s, std::vector<std::pair<size_t, size_t>>* ranges) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  // The range bounds in order (ranges are sorted and disjoint): bound k is ranges[k/2].first or
  // .second. Each is moved to the output offset of the unit (character or ill-formed subpart)
  // that holds it: a begin to the unit's start, an end inside a unit to its end.
  size_t k = 0;
  const size_t n_bounds = ranges ? 2 * ranges->size() : 0;
  auto bound = [&](size_t j) -> size_t& {
    return j % 2 ? (*ranges)[j / 2].second : (*ranges)[j / 2].first;
  };
  for (size_t i = 0; i < s.size();) {
    const size_t valid = utf8_valid_len(s, i);
    const size_t n = valid ? valid : ill_formed_len(s, i);
    const size_t out_begin = out.size();
    if (valid)
      out.append(s.substr(i, n));
    else
      out += "\xEF\xBF\xBD";
    for (; k < n_bounds && bound(k) < i + n; ++k)
      bound(k) = (k % 2 == 0 || bound(k) == i) ? out_begin : out.size();
    i += n;
  }
  for (; k < n_bounds; ++k) bound(k) = out.size();
  return out;
}

char32_t utf8_next(std::string_view s, size_t& i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return ++i, c;
  const size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  char32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n && i + k < s.size(); ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

}  // namespace r1::tok
