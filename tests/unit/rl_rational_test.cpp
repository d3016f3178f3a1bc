// Checked rationals, number literals and the expression evaluator: exact values, and overflow,
// malformed text and division by zero reported instead of producing a value.
#include <gtest/gtest.h>

#include "rl/expression.h"
#include "rl/rational.h"

namespace r1::rl {
namespace {

Rational q(int64_t num, int64_t den) { return *Rational::make(num, den); }

TEST(RlRational, ReducesAndKeepsTheSignInTheNumerator) {
  EXPECT_EQ(q(6, -4), q(-3, 2));
  EXPECT_EQ(q(6, -4).num(), -3);
  EXPECT_EQ(q(6, -4).den(), 2);
  EXPECT_EQ(q(0, -7), Rational(0));
  EXPECT_EQ(q(-3, 2).to_string(), "-3/2");
  EXPECT_EQ(Rational(5).to_string(), "5");
  EXPECT_FALSE(Rational::make(1, 0));
}

TEST(RlRational, ArithmeticIsExactAndOverflowIsReported) {
  EXPECT_EQ(*add(q(1, 3), q(1, 6)), q(1, 2));
  EXPECT_EQ(*sub(q(1, 3), q(1, 2)), q(-1, 6));
  EXPECT_EQ(*mul(q(2, 3), q(9, 4)), q(3, 2));
  EXPECT_EQ(*div(q(2, 3), q(4, 9)), q(3, 2));
  EXPECT_FALSE(div(Rational(1), Rational(0)));
  const Rational big(INT64_MAX);
  EXPECT_FALSE(add(big, Rational(1)));
  EXPECT_FALSE(mul(big, Rational(2)));
  EXPECT_FALSE(sub(Rational(-INT64_MAX), Rational(1)));  // -2^63 is excluded on purpose
  EXPECT_EQ(*mul(big, q(1, 3)), q(INT64_MAX, 3));
  // Products far beyond int64 that reduce back into range are still exact.
  EXPECT_EQ(*mul(q(INT64_MAX, 3), q(3, INT64_MAX)), Rational(1));
}

TEST(RlRational, ParsesPlainNumberLiterals) {
  EXPECT_EQ(*parse_number("42"), Rational(42));
  EXPECT_EQ(*parse_number("+42"), Rational(42));
  EXPECT_EQ(*parse_number("-0"), Rational(0));
  EXPECT_EQ(*parse_number("3.0"), Rational(3));
  EXPECT_EQ(*parse_number("3.000000000000000000000000000000"), Rational(3));
  EXPECT_EQ(*parse_number("-0.25"), q(-1, 4));
  EXPECT_EQ(*parse_number("1,234,567"), Rational(1234567));
  EXPECT_EQ(*parse_number("1,234.5"), q(2469, 2));
  EXPECT_EQ(*parse_number("6/4"), q(3, 2));
  EXPECT_EQ(*parse_number("-6/4"), q(-3, 2));
  EXPECT_NE(*parse_number("0.333"), q(1, 3));
}

TEST(RlRational, RejectsEverythingElse) {
  for (const char* bad : {"", "-", "+", ".", "5.", ".5", "1e3", "0x10", " 5", "5 ", "5 apples",
                          "The answer is 5", "1,23", "12,3456", ",123", "1,,234", "1/0", "1/-2",
                          "--5", "+-5", "1.5/2", "3/", "/3", "∞", "five"})
    EXPECT_FALSE(parse_number(bad)) << bad;
}

TEST(RlRational, HugeNumbersDoNotParseAndNeverWrapIntoSmallOnes) {
  EXPECT_FALSE(parse_number("99999999999999999999999"));
  EXPECT_FALSE(parse_number("9223372036854775808"));   // 2^63
  EXPECT_FALSE(parse_number("18446744073709551621"));  // 2^64 + 5 must not become 5
  EXPECT_FALSE(parse_number(std::string(5000, '9')));
  EXPECT_FALSE(parse_number("0.0000000000000000000000001"));
  EXPECT_EQ(*parse_number("9223372036854775807"), Rational(INT64_MAX));
}

TEST(RlExpression, EvaluatesWithPrecedenceAndParentheses) {
  const ExpressionValue e = evaluate_expression(" (44 - 19) * 3 + 35 / 7 ");
  ASSERT_TRUE(e.value) << e.error;
  EXPECT_EQ(*e.value, Rational(80));
  EXPECT_EQ(e.numbers, (std::vector<int64_t>{44, 19, 3, 35, 7}));
  EXPECT_EQ(*evaluate_expression("8 - 3 - 2").value, Rational(3));
  EXPECT_EQ(*evaluate_expression("8 / 4 / 2").value, Rational(1));
  EXPECT_EQ(*evaluate_expression("1 / 3").value, q(1, 3));
  EXPECT_EQ(*evaluate_expression("((7))").value, Rational(7));
  EXPECT_EQ(*evaluate_expression("2\n*\t3").value, Rational(6));
}

TEST(RlExpression, ReportsWhyAnExpressionIsInvalid) {
  const auto error = [](const char* text) {
    const ExpressionValue e = evaluate_expression(text);
    EXPECT_FALSE(e.value) << text;
    return e.error;
  };
  EXPECT_EQ(error(""), "empty expression");
  EXPECT_EQ(error("   "), "empty expression");
  EXPECT_EQ(error("5 / (3 - 3)"), "division by zero");
  EXPECT_EQ(error("(1 + 2"), "unbalanced parentheses: missing ')'");
  EXPECT_EQ(error("1 + 2)"), "unbalanced parentheses: unmatched ')'");
  EXPECT_EQ(error(")1("), "unbalanced parentheses: unmatched ')'");
  EXPECT_EQ(error("1 +"), "expression ends where a number or '(' was expected");
  EXPECT_EQ(error("-3 + 5"), "unexpected character '-'");
  EXPECT_EQ(error("2 ^ 3"), "unexpected character '^'");
  EXPECT_EQ(error("1.5 * 2"), "decimal numbers are not allowed");
  EXPECT_EQ(error("3 = 3"), "unexpected character '='");
  EXPECT_EQ(error("2 x 3"), "unexpected character 'x'");
  EXPECT_EQ(error("99999999999999999999 - 99999999999999999998"), "number too large");
  EXPECT_EQ(error("999999999999999999 * 999999999999999999"), "overflow");
  EXPECT_EQ(error("1 / 999999999999999999 / 999999999999999999"), "overflow");
  EXPECT_EQ(error("2 + 3; 4"), "unexpected character ';'");
}

TEST(RlExpression, HostileNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(100000, '(') + "1" + std::string(100000, ')');
  EXPECT_EQ(evaluate_expression(deep).error, "parentheses nested too deeply");
  const std::string ok = std::string(60, '(') + "1" + std::string(60, ')');
  EXPECT_EQ(*evaluate_expression(ok).value, Rational(1));
}

}  // namespace
}  // namespace r1::rl
