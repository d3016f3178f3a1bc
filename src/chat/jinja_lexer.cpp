// Jinja lexing as jinja2.lexer does it for HF's environment: the whitespace control of text
// around tags, and the expression tokens inside them (names, numbers, strings, operators).
#include "chat/jinja_lexer.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "chat/jinja_value.h"
#include "core/error.h"

namespace r1::jinja {

std::string normalize_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string describe_position(const std::string& source, size_t pos) {
  pos = std::min(pos, source.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < pos; ++i)
    if (source[i] == '\n') ++line, line_start = i + 1;
  const size_t col = utf8_length(source.substr(line_start, pos - line_start)) + 1;
  return "line " + std::to_string(line) + " col " + std::to_string(col);
}

void throw_syntax_error(const std::string& name, const std::string& source, size_t pos,
                        const std::string& message) {
  throw FormatError(name + ": " + describe_position(source, pos) + ": " + message);
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

// Length of the code point at s[i] when it is Python whitespace (\s), else 0.
size_t space_len(const std::string& s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return (b >= 0x09 && b <= 0x0d) || (b >= 0x1c && b <= 0x20) ? 1 : 0;
  const size_t len = (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
  if (i + len > s.size()) return 0;
  return is_py_space(std::string_view(s).substr(i, len)) ? len : 0;
}

size_t skip_spaces(const std::string& s, size_t i) {
  for (size_t n; i < s.size() && (n = space_len(s, i)) > 0;) i += n;
  return i;
}

// Python's str.rstrip() of s[begin, end): the end of the kept part.
size_t rstrip_end(const std::string& s, size_t begin, size_t end) {
  size_t kept = begin;
  for (size_t i = begin; i < end;) {
    const size_t n = space_len(s, i);
    if (n == 0) {
      ++i;
      while (i < end && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) ++i;
      kept = i;
    } else {
      i += n;
    }
  }
  return kept;
}

class Lexer {
 public:
  Lexer(const std::string& src, const std::string& name) : src_(src), name_(name) {}

  std::vector<Token> run() {
    size_t pos = 0;
    bool line_starting = true;  // jinja2: did the previous match end with a newline?
    while (pos < src_.size()) {
      const size_t open = find_open(pos);
      if (open == std::string::npos) {
        push_text(pos, src_.size());
        break;
      }
      const char kind = src_[open + 1];
      const char sign = open + 2 < src_.size() && (src_[open + 2] == '-' || src_[open + 2] == '+')
                            ? src_[open + 2]
                            : 0;
      size_t text_end = open;
      if (sign == '-') {
        text_end = rstrip_end(src_, pos, open);
      } else if (sign != '+' && kind != '{') {  // lstrip_blocks: not for {{ }}
        const size_t nl = src_.rfind('\n', open == 0 ? 0 : open - 1);
        const size_t line_pos = nl == std::string::npos || nl < pos ? pos : nl + 1;
        if ((line_pos > pos || line_starting) && line_pos < open &&
            skip_spaces(src_, line_pos) >= open)
          text_end = line_pos;
      }
      push_text(pos, text_end);
      const size_t body = open + (sign ? 3 : 2);
      pos = kind == '#' ? skip_comment(open, body) : lex_tag(kind, open, body);
      line_starting = src_[pos - 1] == '\n';
    }
    tokens_.push_back(Token{Token::Type::End, "", src_.size()});
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(size_t pos, const std::string& msg) const {
    throw_syntax_error(name_, src_, pos, msg);
  }

  size_t find_open(size_t pos) const {
    for (size_t i = src_.find('{', pos); i != std::string::npos; i = src_.find('{', i + 1))
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#'))
        return i;
    return std::string::npos;
  }

  void push_text(size_t begin, size_t end) {
    if (end > begin)
      tokens_.push_back(Token{Token::Type::Text, src_.substr(begin, end - begin), begin});
  }

  // Returns the position after the comment and its trailing whitespace control.
  size_t skip_comment(size_t open, size_t body) const {
    const size_t close = src_.find("#}", body);
    if (close == std::string::npos) fail(open, "comment is not closed with '#}'");
    const size_t after = close + 2;
    if (close > body && src_[close - 1] == '-') return skip_spaces(src_, after);
    if (close > body && src_[close - 1] == '+') return after;
    return after < src_.size() && src_[after] == '\n' ? after + 1 : after;  // trim_blocks
  }

  // Lexes a {{ }} or {% %} tag; returns the position after it.
  size_t lex_tag(char kind, size_t open, size_t body) {
    const bool block = kind == '%';
    tokens_.push_back(Token{block ? Token::Type::BlockBegin : Token::Type::VarBegin, "", open});
    std::string brackets;
    for (size_t i = body;;) {
      i = skip_spaces(src_, i);
      if (i >= src_.size())
        fail(open, block ? "tag is not closed with '%}'" : "expression is not closed with '}}'");
      if (brackets.empty()) {
        const size_t end = match_end(block, i);
        if (end != 0) {
          tokens_.push_back(Token{block ? Token::Type::BlockEnd : Token::Type::VarEnd, "", i});
          return end;
        }
      }
      i = lex_token(i, brackets);
    }
  }

  // If the tag ends at i, the position after the end marker (and stripped whitespace), else 0.
  size_t match_end(bool block, size_t i) const {
    const std::string_view rest(src_.data() + i, src_.size() - i);
    const std::string_view close = block ? "%}" : "}}";
    if (rest.substr(0, 1) == "-" && rest.substr(1, 2) == close) return skip_spaces(src_, i + 3);
    if (block && rest.substr(0, 3) == "+%}") return i + 3;
    if (rest.substr(0, 2) != close) return 0;
    const size_t after = i + 2;
    return block && after < src_.size() && src_[after] == '\n' ? after + 1 : after;
  }

  size_t lex_token(size_t i, std::string& brackets) {
    const char c = src_[i];
    if (is_digit(c)) return lex_number(i);
    if (is_name_start(c)) {
      size_t j = i;
      while (j < src_.size() && is_name_char(src_[j])) ++j;
      tokens_.push_back(Token{Token::Type::Name, src_.substr(i, j - i), i});
      return j;
    }
    if (c == '\'' || c == '"') return lex_string(i);
    static const char* const two[] = {"//", "**", "==", "!=", ">=", "<="};
    for (const char* op : two)
      if (src_.compare(i, 2, op) == 0) {
        tokens_.push_back(Token{Token::Type::Op, op, i});
        return i + 2;
      }
    if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos)
      fail(i, std::string("unexpected character '") + c + "'");
    if (c == '(' || c == '[' || c == '{') brackets += c;
    if (c == ')' || c == ']' || c == '}') {
      const char want = c == ')' ? '(' : c == ']' ? '[' : '{';
      if (brackets.empty() || brackets.back() != want)
        fail(i, std::string("unexpected '") + c + "'");
      brackets.pop_back();
    }
    tokens_.push_back(Token{Token::Type::Op, std::string(1, c), i});
    return i + 1;
  }

  // Digits with '_' separators: "1_000".
  size_t digits(size_t i, std::string& out) const {
    while (i < src_.size() && (is_digit(src_[i]) ||
                               (src_[i] == '_' && i + 1 < src_.size() && is_digit(src_[i + 1])))) {
      if (src_[i] != '_') out += src_[i];
      ++i;
    }
    return i;
  }

  size_t lex_number(size_t i) {
    std::string num;
    size_t j = digits(i, num);
    bool is_float = false;
    if (j + 1 < src_.size() && src_[j] == '.' && is_digit(src_[j + 1])) {
      num += '.';
      j = digits(j + 1, num);
      is_float = true;
    }
    if (j < src_.size() && (src_[j] == 'e' || src_[j] == 'E')) {
      size_t k = j + 1;
      std::string exp = "e";
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) exp += src_[k++];
      if (k < src_.size() && is_digit(src_[k])) {
        j = digits(k, exp);
        num += exp;
        is_float = true;
      }
    }
    Token t{is_float ? Token::Type::Float : Token::Type::Int, num, i};
    if (is_float) {
      t.float_value = std::strtod(num.c_str(), nullptr);
    } else {
      errno = 0;
      t.int_value = std::strtoll(num.c_str(), nullptr, 10);
      if (errno == ERANGE) fail(i, "integer literal " + num + " is too large");
    }
    tokens_.push_back(std::move(t));
    return j;
  }

  // Python's unicode-escape decoding of a string literal body, as Jinja does it.
  size_t lex_string(size_t i) {
    const char quote = src_[i];
    std::string value;
    size_t j = i + 1;
    for (;; ++j) {
      if (j >= src_.size()) fail(i, "string literal is not closed");
      const char c = src_[j];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (++j >= src_.size()) fail(i, "string literal is not closed");
      j = decode_escape(j, value) - 1;
    }
    tokens_.push_back(Token{Token::Type::String, std::move(value), i});
    return j + 1;
  }

  // Decodes the escape whose letter is at j (after the backslash); returns the next position.
  size_t decode_escape(size_t j, std::string& out) const {
    const char e = src_[j];
    static const std::string_view simple = "\\'\"abfnrtv", mapped = "\\'\"\a\b\f\n\r\t\v";
    if (const size_t k = simple.find(e); k != std::string_view::npos) {
      out += mapped[k];
      return j + 1;
    }
    if (e == '\n') return j + 1;  // line continuation
    if (e >= '0' && e <= '7') {
      uint32_t v = 0;
      size_t k = j;
      for (; k < j + 3 && k < src_.size() && src_[k] >= '0' && src_[k] <= '7'; ++k)
        v = v * 8 + uint32_t(src_[k] - '0');
      append_code_point(out, v, j);
      return k;
    }
    const int width = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (width == 0) {  // unknown escapes stay as they are
      out += '\\';
      out += e;
      return j + 1;
    }
    uint32_t v = 0;
    for (int k = 1; k <= width; ++k) {
      const char h = j + k < src_.size() ? src_[j + k] : '\0';
      const int d = is_digit(h)                              ? h - '0'
                    : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10
                                                             : -1;
      if (d < 0) fail(j - 1, std::string("truncated \\") + e + " escape in string literal");
      v = v * 16 + uint32_t(d);
    }
    append_code_point(out, v, j);
    return j + size_t(width) + 1;
  }

  void append_code_point(std::string& out, uint32_t cp, size_t pos) const {
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      fail(pos, "escape in string literal is not a valid code point");
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xc0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += char(0xe0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    } else {
      out += char(0xf0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3f));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    }
  }

  const std::string& src_;
  const std::string& name_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const std::string& name) {
  return Lexer(source, name).run();
}

}  // namespace r1::jinja
