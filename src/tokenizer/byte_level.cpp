// The GPT-2 bytes_to_unicode table and its inverse.
#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace r1::tok {

namespace {

struct Tables {
  std::array<std::string, 256> to_str;
  std::array<char32_t, 256> to_cp{};
  std::array<int, 512> from_cp;  // every alphabet code point is < 0x144
  Tables() {
    from_cp.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      to_cp[b] = printable ? char32_t(b) : char32_t(256 + n++);
    }
    for (int b = 0; b < 256; ++b) {
      append_utf8(to_str[b], to_cp[b]);
      from_cp[to_cp[b]] = b;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& byte_to_unicode(unsigned char b) {
  return tables().to_str[b];
}

int unicode_to_byte(char32_t cp) {
  return cp < 512 ? tables().from_cp[cp] : -1;
}

std::string to_byte_level(std::string_view raw) {
  const Tables& t = tables();
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) out += t.to_str[c];
  return out;
}

bool from_byte_level(std::string_view token, std::string& out) {
  const size_t mark = out.size();
  for (size_t i = 0; i < token.size();) {
    if (utf8_valid_len(token, i) == 0) return out.resize(mark), false;
    const int b = unicode_to_byte(utf8_next(token, i));
    if (b < 0) return out.resize(mark), false;
    out += char(b);
  }
  return true;
}

}  // namespace r1::tok
