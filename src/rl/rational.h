// Exact rationals over int64 with checked arithmetic: the verifiers compare answers exactly, and
// an overflow is reported (nullopt), never wrapped into a value that could match by accident.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace r1::rl {

// num/den in lowest terms with den > 0; zero is 0/1, so equal values have equal fields.
class Rational {
 public:
  Rational() = default;
  explicit Rational(int64_t integer) : num_(integer) {}
  // nullopt when den is 0 or the reduced fraction does not fit int64 (+-(2^63 - 1)).
  static std::optional<Rational> make(__int128 num, __int128 den);

  int64_t num() const { return num_; }
  int64_t den() const { return den_; }
  bool is_integer() const { return den_ == 1; }
  // "7", "-3/4"
  std::string to_string() const;

  friend bool operator==(const Rational&, const Rational&) = default;

 private:
  int64_t num_ = 0, den_ = 1;
};

// Each result is nullopt on overflow (and on division by zero).
std::optional<Rational> add(const Rational& a, const Rational& b);
std::optional<Rational> sub(const Rational& a, const Rational& b);
std::optional<Rational> mul(const Rational& a, const Rational& b);
std::optional<Rational> div(const Rational& a, const Rational& b);

// A plain number literal: optional sign, digits with optional ',' thousands groups ("12,345";
// groups must be 3 digits), optional fraction part ("-0.250"), or an integer fraction "a/b"
// ("-3/4", "6/2"). Nothing else: no spaces inside, no exponent, no units. nullopt when the text
// is not such a literal or its exact value does not fit (huge numbers never compare equal).
std::optional<Rational> parse_number(std::string_view text);

}  // namespace r1::rl
