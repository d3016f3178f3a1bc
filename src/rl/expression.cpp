// Recursive-descent evaluator over checked rationals, with a nesting limit so that hostile input
// ("((((...") cannot exhaust the stack.
#include "rl/expression.h"

#include "core/error.h"

namespace r1::rl {

namespace {

constexpr int kMaxDepth = 64;

std::string unexpected(char c) {
  if (c == ')') return "unbalanced parentheses: unmatched ')'";
  return "unexpected character " + quote_untrusted(std::string_view(&c, 1));
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  ExpressionValue run() {
    ExpressionValue out;
    skip_space();
    if (pos_ == s_.size()) {
      out.error = "empty expression";
      return out;
    }
    std::optional<Rational> v = expr(0);
    skip_space();
    if (v && pos_ != s_.size()) {
      fail(unexpected(s_[pos_]));
    }
    out.numbers = std::move(numbers_);
    if (error_.empty()) {
      out.value = v;
    } else {
      out.error = error_;
    }
    return out;
  }

 private:
  std::optional<Rational> fail(const std::string& why) {
    if (error_.empty()) error_ = why;
    return std::nullopt;
  }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' ||
                                s_[pos_] == '\r'))
      ++pos_;
  }

  bool accept(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::optional<Rational> expr(int depth) {
    std::optional<Rational> left = term(depth);
    while (left) {
      if (accept('+')) {
        const std::optional<Rational> right = term(depth);
        if (!right) return std::nullopt;
        left = add(*left, *right);
      } else if (accept('-')) {
        const std::optional<Rational> right = term(depth);
        if (!right) return std::nullopt;
        left = sub(*left, *right);
      } else {
        return left;
      }
      if (!left) return fail("overflow");
    }
    return std::nullopt;
  }

  std::optional<Rational> term(int depth) {
    std::optional<Rational> left = factor(depth);
    while (left) {
      if (accept('*')) {
        const std::optional<Rational> right = factor(depth);
        if (!right) return std::nullopt;
        left = mul(*left, *right);
        if (!left) return fail("overflow");
      } else if (accept('/')) {
        const std::optional<Rational> right = factor(depth);
        if (!right) return std::nullopt;
        if (right->num() == 0) return fail("division by zero");
        left = div(*left, *right);
        if (!left) return fail("overflow");
      } else {
        return left;
      }
    }
    return std::nullopt;
  }

  std::optional<Rational> factor(int depth) {
    skip_space();
    if (pos_ == s_.size()) return fail("expression ends where a number or '(' was expected");
    if (s_[pos_] == '(') {
      if (depth >= kMaxDepth) return fail("parentheses nested too deeply");
      ++pos_;
      std::optional<Rational> v = expr(depth + 1);
      if (!v) return std::nullopt;
      if (!accept(')')) return fail("unbalanced parentheses: missing ')'");
      return v;
    }
    return number();
  }

  std::optional<Rational> number() {
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ == start) {
      return fail(unexpected(s_[pos_]));
    }
    if (pos_ < s_.size() && s_[pos_] == '.') return fail("decimal numbers are not allowed");
    if (pos_ - start > 18) return fail("number too large");
    int64_t v = 0;
    for (size_t i = start; i < pos_; ++i) v = v * 10 + (s_[i] - '0');
    numbers_.push_back(v);
    return Rational(v);
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
  std::vector<int64_t> numbers_;
};

}  // namespace

ExpressionValue evaluate_expression(std::string_view text) { return Parser(text).run(); }

}  // namespace r1::rl
