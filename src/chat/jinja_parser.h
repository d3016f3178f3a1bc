// Parser of the Jinja subset chat templates use: text, {{ expressions }}, {% if / for / set /
// break / continue %} with Jinja's operator precedence, filters and tests.
#pragma once

#include <string>
#include <vector>

#include "chat/jinja_ast.h"
#include "chat/jinja_lexer.h"

namespace r1::jinja {

// Parses the tokens of normalized source. Anything outside the subset (macros, includes,
// unknown filters or tests, ...) is a FormatError naming `name`, the line and the column.
Body parse(const std::vector<Token>& tokens, const std::string& source, const std::string& name);

}  // namespace r1::jinja
