// Checked rational arithmetic and number-literal parsing for the answer verifiers.
#include "rl/rational.h"

#include <limits>

namespace r1::rl {

namespace {

constexpr __int128 kInt64Max = std::numeric_limits<int64_t>::max();
// Parsed magnitudes stop growing past this bound (far above int64, far below __int128's limit),
// so a number with thousands of digits is rejected without overflowing the accumulator.
constexpr __int128 kParseCap = __int128(1) << 100;

__int128 abs128(__int128 v) { return v < 0 ? -v : v; }

__int128 gcd128(__int128 a, __int128 b) {
  a = abs128(a);
  b = abs128(b);
  while (b != 0) {
    const __int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits, optionally grouped by ',' in threes ("1,234,567"); nullopt if malformed or too large.
std::optional<__int128> parse_grouped_integer(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const bool grouped = s.find(',') != std::string_view::npos;
  __int128 v = 0;
  size_t run = 0;  // digits since the last ','
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',') {
      if (run == 0 || (i > run && run != 3) || run > 3) return std::nullopt;
      run = 0;
      continue;
    }
    if (!is_digit(s[i])) return std::nullopt;
    ++run;
    if (v < kParseCap) v = v * 10 + (s[i] - '0');
  }
  if (grouped && run != 3) return std::nullopt;
  return v;
}

// "123" or "1,234.50" (a digit is required before the '.') as num / 10^k.
std::optional<Rational> parse_decimal(std::string_view s) {
  const size_t dot = s.find('.');
  const std::optional<__int128> whole = parse_grouped_integer(s.substr(0, dot));
  if (!whole) return std::nullopt;
  if (dot == std::string_view::npos) return Rational::make(*whole, 1);
  std::string_view frac = s.substr(dot + 1);
  if (frac.empty()) return std::nullopt;
  for (char c : frac)
    if (!is_digit(c)) return std::nullopt;
  // Trailing zeros do not change the value; dropping them keeps "3.000...0" in range.
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  if (frac.size() > 18) return std::nullopt;
  __int128 num = *whole, den = 1;
  for (char c : frac) {
    num = num * 10 + (c - '0');
    den *= 10;
    if (num >= kParseCap) return std::nullopt;
  }
  return Rational::make(num, den);
}

}  // namespace

std::optional<Rational> Rational::make(__int128 num, __int128 den) {
  if (den == 0) return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const __int128 g = gcd128(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  // -2^63 is excluded too, so that every value can be negated and printed and parsed back.
  if (num > kInt64Max || num < -kInt64Max || den > kInt64Max) return std::nullopt;
  Rational r;
  r.num_ = int64_t(num);
  r.den_ = int64_t(den);
  return r;
}

std::string Rational::to_string() const {
  return den_ == 1 ? std::to_string(num_) : std::to_string(num_) + "/" + std::to_string(den_);
}

// Products of two int64 fit __int128 (< 2^126) and so do sums of two such products.
std::optional<Rational> add(const Rational& a, const Rational& b) {
  return Rational::make(__int128(a.num()) * b.den() + __int128(b.num()) * a.den(),
                        __int128(a.den()) * b.den());
}
std::optional<Rational> sub(const Rational& a, const Rational& b) {
  return Rational::make(__int128(a.num()) * b.den() - __int128(b.num()) * a.den(),
                        __int128(a.den()) * b.den());
}
std::optional<Rational> mul(const Rational& a, const Rational& b) {
  return Rational::make(__int128(a.num()) * b.num(), __int128(a.den()) * b.den());
}
std::optional<Rational> div(const Rational& a, const Rational& b) {
  return Rational::make(__int128(a.num()) * b.den(), __int128(a.den()) * b.num());
}

std::optional<Rational> parse_number(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  std::optional<Rational> value;
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    value = parse_decimal(text);
  } else {
    const std::optional<__int128> num = parse_grouped_integer(text.substr(0, slash));
    const std::optional<__int128> den = parse_grouped_integer(text.substr(slash + 1));
    if (!num || !den || *den == 0) return std::nullopt;
    value = Rational::make(*num, *den);
  }
  if (!value || !negative) return value;
  return sub(Rational(0), *value);
}

}  // namespace r1::rl
