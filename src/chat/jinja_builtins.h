// The builtins chat templates use: Jinja filters and tests, methods of str and dict values, and
// the global functions transformers provides (namespace, range, raise_exception, ...).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "chat/jinja_value.h"

namespace r1::jinja {

// Thrown by raise_exception(): the template rejects its input (e.g. the role order).
class TemplateRaised : public JinjaError {
 public:
  using JinjaError::JinjaError;
};

// Builtins give their results data ranges in one of two ways: those that select or slice
// (first, list, select, join, trim, split, strip, dict.items, ...) keep the ranges of what
// they pass on; every other one (upper, replace, tojson, ...) makes every string of its
// result all data when its subject or any argument holds data. New builtins get the second
// rule unless they are registered as setting provenance themselves.
bool args_have_data(const Args& args);

// sep.join(items) of string values, data ranges kept; the size is checked against the
// render's budget before the result is built.
Value join_strings(const std::vector<Value>& items, const Value& sep);

bool has_filter(const std::string& name);
bool has_test(const std::string& name);
Value apply_filter(const std::string& name, const Value& subject, Args& args);
bool apply_test(const std::string& name, const Value& subject, Args& args);

// A bound method of a str or dict value (split, strip, startswith, items, get, ...); nullopt
// when the value has no such method. Methods that would modify a list or dict throw: the
// sandbox transformers renders with forbids them.
std::optional<Value> method(const Value& obj, const std::string& name);

// namespace, range, dict, raise_exception, strftime_now.
const Dict& global_functions();

// String operations shared by filters and methods, with Python's rules.
// str.strip() family: `chars` null strips Unicode whitespace, else any of its code points.
// The [begin, end) byte range of s that stays.
std::pair<size_t, size_t> py_strip_bounds(const std::string& s, const Value* chars, bool left,
                                          bool right);
std::string py_strip(const std::string& s, const Value* chars, bool left, bool right);
// The same on a string value, keeping its data ranges.
Value py_strip_value(const Value& s, const Value* chars, bool left, bool right);
std::string ascii_lower(std::string s);
std::string ascii_upper(std::string s);
// str.replace(old, new, count); count < 0 replaces all.
std::string py_replace(const std::string& s, const std::string& from, const std::string& to,
                       int64_t count);

// Python-style parameters (positional or by keyword) of a builtin, with Python's errors.
class ArgReader {
 public:
  ArgReader(const Args& args, std::string fn, std::initializer_list<const char*> params);
  const Value* get(size_t i) const { return slots_[i]; }
  bool has(size_t i) const { return slots_[i] && !slots_[i]->is_none(); }
  Value value_or(size_t i, Value fallback) const { return slots_[i] ? *slots_[i] : fallback; }
  const Value& required(size_t i) const;
  int64_t int_or(size_t i, int64_t fallback) const;
  std::string string_or(size_t i, std::string fallback) const;
  bool bool_or(size_t i, bool fallback) const { return slots_[i] ? slots_[i]->truthy() : fallback; }

 private:
  std::string fn_;
  std::vector<const char*> names_;
  std::vector<const Value*> slots_;
};

}  // namespace r1::jinja
