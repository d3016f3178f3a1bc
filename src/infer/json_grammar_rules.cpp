// JSON's lexical grammar (RFC 8259) as byte rules, with the bounds json_schema_grammar.h states.
#include "infer/json_grammar_rules.h"

#include <memory>

#include "infer/json_schema_grammar.h"

namespace r1 {

namespace {

using Seq = GrammarBuilder::Seq;

ByteSet range(unsigned lo, unsigned hi) {
  ByteSet s;
  for (unsigned c = lo; c <= hi; ++c) s.set(c);
  return s;
}

ByteSet chars(std::string_view text) {
  ByteSet s;
  for (unsigned char c : text) s.set(c);
  return s;
}

// Printable ASCII (and DEL) that a string holds without an escape.
ByteSet plain_ascii() {
  ByteSet s = range(0x20, 0x7F);
  s.reset('"');
  s.reset('\\');
  return s;
}

const ByteSet kHex = chars("0123456789abcdefABCDEF");
const ByteSet kDigit = range('0', '9');

// The declared names a key of plain ASCII could spell, as a byte trie.
struct NameTrie {
  std::map<unsigned char, std::unique_ptr<NameTrie>> children;
  bool is_name = false;
};

}  // namespace

int JsonRules::ws() {
  if (ws_ < 0) ws_ = b_.repeat({b_.bytes(chars(" \t\n\r"))}, 0, kMaxWhitespace);
  return ws_;
}

int JsonRules::hex4() {
  if (hex4_ >= 0) return hex4_;
  // Four hex digits that are not a surrogate (D800-DFFF).
  hex4_ = b_.new_rule();
  const GrammarElem hex = b_.bytes(kHex);
  b_.add_alt(hex4_, {b_.bytes(chars("0123456789abcABCeEfF")), hex, hex, hex});
  b_.add_alt(hex4_, {b_.bytes(chars("dD")), b_.bytes(range('0', '7')), hex, hex});
  return hex4_;
}

int JsonRules::utf8_multibyte() {
  if (utf8_ >= 0) return utf8_;
  utf8_ = b_.new_rule();
  const GrammarElem cont = b_.bytes(range(0x80, 0xBF));
  auto alt = [&](Seq seq) { b_.add_alt(utf8_, std::move(seq)); };
  alt({b_.bytes(range(0xC2, 0xDF)), cont});
  alt({b_.bytes(range(0xE0, 0xE0)), b_.bytes(range(0xA0, 0xBF)), cont});
  alt({b_.bytes(range(0xE1, 0xEC)), cont, cont});
  alt({b_.bytes(range(0xED, 0xED)), b_.bytes(range(0x80, 0x9F)), cont});
  alt({b_.bytes(range(0xEE, 0xEF)), cont, cont});
  alt({b_.bytes(range(0xF0, 0xF0)), b_.bytes(range(0x90, 0xBF)), cont, cont});
  alt({b_.bytes(range(0xF1, 0xF3)), cont, cont, cont});
  alt({b_.bytes(range(0xF4, 0xF4)), b_.bytes(range(0x80, 0x8F)), cont, cont});
  return utf8_;
}

int JsonRules::string_char() {
  if (char_ >= 0) return char_;
  char_ = b_.new_rule();
  const GrammarElem backslash = b_.literal("\\")[0], u = b_.literal("u")[0];
  const GrammarElem hex = b_.bytes(kHex);
  b_.add_alt(char_, {b_.bytes(plain_ascii())});
  b_.add_alt(char_, {backslash, b_.bytes(chars("\"\\/bfnrt"))});
  b_.add_alt(char_, {backslash, u, GrammarBuilder::ref(hex4())});
  // A surrogate pair: high D800-DBFF then low DC00-DFFF.
  b_.add_alt(char_, {backslash, u, b_.bytes(chars("dD")), b_.bytes(chars("89abAB")), hex, hex,
                     backslash, u, b_.bytes(chars("dD")), b_.bytes(chars("cdefCDEF")), hex, hex});
  b_.add_alt(char_, {GrammarBuilder::ref(utf8_multibyte())});
  return char_;
}

int JsonRules::string(int64_t min_chars, int64_t max_chars) {
  const auto key = std::make_pair(min_chars, max_chars);
  if (auto it = strings_.find(key); it != strings_.end()) return it->second;
  const int body = b_.repeat({GrammarBuilder::ref(string_char())}, min_chars, max_chars);
  const int rule = b_.new_rule();
  const GrammarElem quote = b_.literal("\"")[0];
  b_.add_alt(rule, {quote, GrammarBuilder::ref(body), quote});
  strings_[key] = rule;
  return rule;
}

int JsonRules::key_excluding(const std::vector<std::string>& names) {
  NameTrie root;
  const ByteSet plain = plain_ascii();
  for (const std::string& name : names) {
    bool spellable = true;
    for (unsigned char c : name) spellable = spellable && plain[c];
    if (!spellable) continue;  // a key without escapes cannot equal it
    NameTrie* node = &root;
    for (unsigned char c : name) {
      auto& child = node->children[c];
      if (!child) child = std::make_unique<NameTrie>();
      node = child.get();
    }
    node->is_name = true;
  }
  const int any_rest = b_.repeat({b_.bytes(plain)}, 0, -1);
  // One rule per trie node: follow the trie, leave it (then anything), or end off a name.
  auto node_rule = [&](auto& self, const NameTrie& node) -> int {
    const int rule = b_.new_rule();
    ByteSet leave = plain;
    for (const auto& [c, child] : node.children) {
      leave.reset(c);
      b_.add_alt(rule, {b_.literal(std::string(1, char(c)))[0],
                        GrammarBuilder::ref(self(self, *child))});
    }
    if (leave.any()) b_.add_alt(rule, {b_.bytes(leave), GrammarBuilder::ref(any_rest)});
    if (!node.is_name) b_.add_alt(rule, {});
    return rule;
  };
  const int body = node_rule(node_rule, root);
  const int rule = b_.new_rule();
  const GrammarElem quote = b_.literal("\"")[0];
  b_.add_alt(rule, {quote, GrammarBuilder::ref(body), quote});
  return rule;
}

int JsonRules::integer() {
  if (integer_ >= 0) return integer_;
  const int digits = b_.repeat({b_.bytes(kDigit)}, 0, 15);
  const int magnitude = b_.new_rule();
  b_.add_alt(magnitude, b_.literal("0"));
  b_.add_alt(magnitude, {b_.bytes(range('1', '9')), GrammarBuilder::ref(digits)});
  integer_ = b_.new_rule();
  b_.add_alt(integer_, {b_.literal("-")[0], GrammarBuilder::ref(magnitude)});
  b_.add_alt(integer_, {GrammarBuilder::ref(magnitude)});
  return integer_;
}

int JsonRules::number() {
  if (number_ >= 0) return number_;
  const int fraction = b_.new_rule();
  b_.add_alt(fraction, {b_.literal(".")[0],
                        GrammarBuilder::ref(b_.repeat({b_.bytes(kDigit)}, 1, 16))});
  b_.add_alt(fraction, {});
  const int sign = b_.new_rule();
  b_.add_alt(sign, {b_.bytes(chars("+-"))});
  b_.add_alt(sign, {});
  const int exponent = b_.new_rule();
  b_.add_alt(exponent, {b_.bytes(chars("eE")), GrammarBuilder::ref(sign),
                        GrammarBuilder::ref(b_.repeat({b_.bytes(kDigit)}, 1, 2))});
  b_.add_alt(exponent, {});
  number_ = b_.new_rule();
  b_.add_alt(number_, {GrammarBuilder::ref(integer()), GrammarBuilder::ref(fraction),
                       GrammarBuilder::ref(exponent)});
  return number_;
}

JsonRules::Seq JsonRules::member(const std::string& quoted_name, int value) {
  Seq seq = b_.literal(quoted_name);
  const Seq rest = member_tail(value);
  seq.insert(seq.end(), rest.begin(), rest.end());
  return seq;
}

JsonRules::Seq JsonRules::member_tail(int value) {
  return {GrammarBuilder::ref(ws()), b_.literal(":")[0], GrammarBuilder::ref(ws()),
          GrammarBuilder::ref(value)};
}

int JsonRules::any_object() {
  any_value();
  return object_;
}

int JsonRules::any_value() {
  if (value_ >= 0) return value_;
  value_ = b_.new_rule();
  object_ = b_.new_rule();
  const int array = b_.new_rule();
  const GrammarElem w = GrammarBuilder::ref(ws());
  auto wrapped = [&](int rule, const char* open, const char* close, Seq item) {
    Seq more = sep();
    more.insert(more.end(), item.begin(), item.end());
    Seq full = {b_.literal(open)[0], w};
    full.insert(full.end(), item.begin(), item.end());
    full.push_back(GrammarBuilder::ref(b_.repeat(more, 0, -1)));
    full.push_back(w);
    full.push_back(b_.literal(close)[0]);
    b_.add_alt(rule, {b_.literal(open)[0], w, b_.literal(close)[0]});
    b_.add_alt(rule, std::move(full));
  };
  Seq member = {GrammarBuilder::ref(string())};
  const Seq tail = member_tail(value_);
  member.insert(member.end(), tail.begin(), tail.end());
  wrapped(object_, "{", "}", member);
  wrapped(array, "[", "]", {GrammarBuilder::ref(value_)});
  for (int rule : {object_, array, string(), number()})
    b_.add_alt(value_, {GrammarBuilder::ref(rule)});
  for (const char* word : {"true", "false", "null"}) b_.add_alt(value_, b_.literal(word));
  return value_;
}

}  // namespace r1
