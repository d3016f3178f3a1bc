// Tokenizer of Jinja template source with the whitespace rules transformers renders chat
// templates with: trim_blocks, lstrip_blocks, '-' / '+' modifiers, no trailing newline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1::jinja {

struct Token {
  enum class Type {
    Text,
    VarBegin,
    VarEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Int,
    Float,
    Op,
    End
  };
  Type type = Type::End;
  std::string text;  // Text: the text; Name / Op: the name or operator; String: decoded value
  size_t pos = 0;    // byte offset in the normalized source
  int64_t int_value = 0;
  double float_value = 0.0;
};

// Jinja's newline handling: "\r\n" and "\r" become "\n" and one trailing newline is dropped
// (keep_trailing_newline=False).
std::string normalize_source(std::string_view source);

// Splits normalized source into text and tag tokens; the sequence ends with an End token.
// name says where the template came from in errors (FormatError "name: line L col C: ...").
std::vector<Token> tokenize(const std::string& source, const std::string& name);

// "line L col C" (1-based, columns in code points) of a byte offset into source.
std::string describe_position(const std::string& source, size_t pos);

// Throws FormatError "name: line L col C: message".
[[noreturn]] void throw_syntax_error(const std::string& name, const std::string& source, size_t pos,
                                     const std::string& message);

}  // namespace r1::jinja
