// MATH-style answer comparison: LaTeX answers are normalised (surrounding $, \boxed{}, \left,
// \dfrac, spacing, ...) and compared as exact rationals when both are numbers, as normalised
// strings otherwise.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rl/rational.h"

namespace r1::rl {

// The canonical text of an answer: no surrounding $ / \( \) / \boxed{}, \text{x} -> x,
// \dfrac and \tfrac -> \frac, no \left \right, no spacing commands or whitespace, no "^\circ",
// no trailing '.'.
std::string normalize_math_answer(std::string_view answer);

// The exact value of a normalised answer that is a number: integers, decimals, "a/b",
// \frac{a}{b}, \frac12, with an optional sign in front; nullopt otherwise (or if it overflows).
std::optional<Rational> math_answer_value(std::string_view normalized);

// Whether two answers are the same: equal values if both are numbers, else equal normalised text.
bool math_answers_equal(std::string_view a, std::string_view b);

// The LaTeX form of a value: "3", "-\frac{1}{2}".
std::string latex_number(const Rational& v);

}  // namespace r1::rl
