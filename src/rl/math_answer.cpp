// Normalisation and exact comparison of MATH-style answers.
#include "rl/math_answer.h"

#include <array>
#include <cctype>

namespace r1::rl {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The index just past the '}' matching the '{' at `open`, or npos.
size_t matching_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

// Strips one wrapper that encloses the whole answer: $..$, $$..$$, \(..\), \[..\], \boxed{..}.
bool strip_wrapper(std::string_view& s) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kPairs = {
      {{"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}}};
  for (const auto& [open, close] : kPairs) {
    if (s.size() >= open.size() + close.size() && starts_with(s, open) && ends_with(s, close)) {
      s = trim(s.substr(open.size(), s.size() - open.size() - close.size()));
      return true;
    }
  }
  if (starts_with(s, "\\boxed{") && matching_brace(s, 6) == s.size()) {
    s = trim(s.substr(7, s.size() - 8));
    return true;
  }
  return false;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// \text{x} and \mathrm{x} -> x (units and words are compared by their letters).
void unwrap_text_commands(std::string& s) {
  for (std::string_view cmd : {std::string_view("\\text{"), std::string_view("\\mathrm{")}) {
    for (size_t at = s.find(cmd); at != std::string::npos; at = s.find(cmd, at)) {
      const size_t end = matching_brace(s, at + cmd.size() - 1);
      if (end == std::string::npos) break;
      s = s.substr(0, at) + s.substr(at + cmd.size(), end - 1 - at - cmd.size()) + s.substr(end);
    }
  }
}

// "{12}" -> "12", or one character of the \frac12 shorthand; advances `s`.
std::optional<std::string_view> frac_argument(std::string_view& s) {
  if (s.empty()) return std::nullopt;
  if (s[0] != '{') {
    const std::string_view arg = s.substr(0, 1);
    s.remove_prefix(1);
    return arg;
  }
  const size_t end = matching_brace(s, 0);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view arg = s.substr(1, end - 2);
  s.remove_prefix(end);
  return arg;
}

}  // namespace

std::string normalize_math_answer(std::string_view answer) {
  std::string_view s = trim(answer);
  while (strip_wrapper(s)) {
  }
  std::string out(s);
  unwrap_text_commands(out);
  replace_all(out, "\\dfrac", "\\frac");
  replace_all(out, "\\tfrac", "\\frac");
  for (std::string_view drop : {"\\left", "\\right", "^{\\circ}", "^\\circ", "\\!", "\\,", "\\;",
                                "\\:", "\\ "})
    replace_all(out, drop, "");
  std::string compact;
  for (char c : out)
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  while (!compact.empty() && compact.back() == '.') compact.pop_back();
  return compact;
}

std::optional<Rational> math_answer_value(std::string_view s) {
  if (!starts_with(s, "\\frac") && !starts_with(s, "-\\frac") && !starts_with(s, "+\\frac"))
    return parse_number(s);
  const bool negative = s[0] == '-';
  if (s[0] == '-' || s[0] == '+') s.remove_prefix(1);
  s.remove_prefix(5);  // "\frac"
  const std::optional<std::string_view> num = frac_argument(s);
  const std::optional<std::string_view> den = num ? frac_argument(s) : std::nullopt;
  if (!den || !s.empty()) return std::nullopt;
  const std::optional<Rational> n = parse_number(*num), d = parse_number(*den);
  if (!n || !d || d->num() == 0) return std::nullopt;
  const std::optional<Rational> v = div(*n, *d);
  if (!v || !negative) return v;
  return sub(Rational(0), *v);
}

bool math_answers_equal(std::string_view a, std::string_view b) {
  const std::string na = normalize_math_answer(a), nb = normalize_math_answer(b);
  const std::optional<Rational> va = math_answer_value(na), vb = math_answer_value(nb);
  if (va && vb) return *va == *vb;
  return !na.empty() && na == nb;
}

std::string latex_number(const Rational& v) {
  if (v.is_integer()) return std::to_string(v.num());
  const int64_t num = v.num() < 0 ? -v.num() : v.num();
  return std::string(v.num() < 0 ? "-" : "") + "\\frac{" + std::to_string(num) + "}{" +
         std::to_string(v.den()) + "}";
}

}  // namespace r1::rl
