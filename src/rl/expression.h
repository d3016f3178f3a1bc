// Exact evaluation of arithmetic expressions (integers, + - * /, parentheses): the Countdown
// verifier and the arithmetic task's loader. No unary operators, no decimals, no other symbols.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rl/rational.h"

namespace r1::rl {

struct ExpressionValue {
  std::optional<Rational> value;  // nullopt when the text is not a valid expression
  std::vector<int64_t> numbers;   // the integer literals in order of appearance
  std::string error;              // why not: "unbalanced parentheses", "division by zero", ...
};

// Evaluates `text` exactly with the usual precedence (* / before + -, left to right).
// Whitespace may appear between tokens. Literals are non-negative integers of at most 18
// digits; an intermediate result outside int64 is an error ("overflow"), never a value.
ExpressionValue evaluate_expression(std::string_view text);

}  // namespace r1::rl
