// Operators and lookups of the Jinja subset with Python's rules (the sandboxed environment of
// transformers): arithmetic, comparison, membership, attribute/item/slice access, iteration.
// Failures throw JinjaError; the evaluator adds the template position. Strings keep their data
// ranges through +, ~ and slices; results are checked against the render's budget
// (jinja_budget.h) before they are built.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chat/jinja_value.h"

namespace r1::jinja {

// "+", "-", "*", "/", "//", "%", "**", "~".
Value binary_op(const std::string& op, const Value& a, const Value& b);
// "-", "+" (numbers) and "not".
Value unary_op(const std::string& op, const Value& a);
// "==", "!=", "<", "<=", ">", ">=", "in", "not in".
bool compare(const std::string& op, const Value& a, const Value& b);
// Python's `item in container` (substring, list member, dict key; false for undefined).
bool contains(const Value& container, const Value& item);

// obj.name: attribute first (str and dict methods, namespace attributes), then item; a
// missing one is an undefined value that remembers what was missing.
Value get_attr(const Value& obj, const std::string& name);
// obj[key]: item first, then attribute (for string keys).
Value get_item(const Value& obj, const Value& key);
// obj[start:stop:step] on strings (by code point) and lists; undefined for anything else.
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// The items `for x in v` visits: list items, dict keys, string characters; nothing for
// undefined. Other values throw.
std::vector<Value> iterate(const Value& v);

// Python's len(): string code points, list / dict size; undefined has length 0.
size_t length(const Value& v);

// Throws the undefined value's own message when it is used in an operation.
void require_defined(const Value& v);

}  // namespace r1::jinja
