// The JSON lexical rules every schema grammar shares: bounded whitespace, strings (escapes,
// UTF-8), numbers, object keys, and any JSON value. Each rule is made once per grammar.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "infer/byte_grammar.h"

namespace r1 {

class JsonRules {
 public:
  using Seq = GrammarBuilder::Seq;

  explicit JsonRules(GrammarBuilder& b) : b_(b) {}

  int ws();  // 0..kMaxWhitespace bytes of space, tab, newline, carriage return
  Seq sep() { return {GrammarBuilder::ref(ws()), b_.literal(",")[0], GrammarBuilder::ref(ws())}; }
  int string(int64_t min_chars = 0, int64_t max_chars = -1);  // max < 0: unbounded
  // A quoted key of printable ASCII without escapes that is none of names.
  int key_excluding(const std::vector<std::string>& names);
  int integer();
  int number();
  int any_value();
  int any_object();
  // "name" ws ":" ws value, and the part after the key
  Seq member(const std::string& quoted_name, int value);
  Seq member_tail(int value);

 private:
  int string_char();  // one character of a string's content: plain, escaped or multi-byte
  int utf8_multibyte();
  int hex4();

  GrammarBuilder& b_;
  int ws_ = -1, char_ = -1, utf8_ = -1, hex4_ = -1, integer_ = -1, number_ = -1;
  int value_ = -1, object_ = -1;
  std::map<std::pair<int64_t, int64_t>, int> strings_;
};

}  // namespace r1
