// The GPT-2 byte-level alphabet: every byte maps to one printable code point, so any byte string
// becomes a string over a 256-symbol alphabet that a BPE vocabulary can cover.
#pragma once

#include <string>
#include <string_view>

namespace r1::tok {

// The UTF-8 encoding of the code point that byte b maps to.
const std::string& byte_to_unicode(unsigned char b);

// The byte a code point stands for, or -1 if it is not in the alphabet.
int unicode_to_byte(char32_t cp);

// Maps every byte of raw to its alphabet symbol (UTF-8 out).
std::string to_byte_level(std::string_view raw);

// Inverse of to_byte_level for one token: appends the bytes to out and returns true, or returns
// false (appending nothing) if some code point of token is not in the alphabet.
bool from_byte_level(std::string_view token, std::string& out);

}  // namespace r1::tok
