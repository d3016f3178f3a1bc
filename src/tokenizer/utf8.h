// UTF-8 helpers for the tokenizer: validation, decoding one code point, encoding, and the
// invalid-input policy (invalid byte sequences become U+FFFD, as Python's errors='replace').
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace r1::tok {

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if it is not well-formed
// (overlong, surrogate, > U+10FFFF, truncated). Follows the Unicode "maximal subpart" rules.
size_t utf8_valid_len(std::string_view s, size_t i);

bool is_valid_utf8(std::string_view s);

// Replaces every maximal ill-formed subsequence by U+FFFD (the WHATWG / Rust from_utf8_lossy
// rule). Valid text is returned unchanged. `ranges` (sorted, disjoint byte ranges of s), if
// given, are moved onto the output: each bound inside a replaced or kept character goes to that
// character's start (a begin) or end (an end), so a range covers at least what it covered.
std::string sanitize_utf8(std::string_view s,
                          std::vector<std::pair<size_t, size_t>>* ranges = nullptr);

// Decodes the code point at s[i] of *valid* UTF-8 and advances i.
char32_t utf8_next(std::string_view s, size_t& i);

void append_utf8(std::string& out, char32_t cp);

}  // namespace r1::tok
