// Jinja's filters and tests as jinja2 3.x defines them, except tojson, which is transformers'
// json.dumps(ensure_ascii=False) replacement; plus the argument reader all builtins share.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "chat/jinja_builtins.h"
#include "chat/jinja_ops.h"

namespace r1::jinja {

ArgReader::ArgReader(const Args& args, std::string fn, std::initializer_list<const char*> params)
    : fn_(std::move(fn)), names_(params), slots_(params.size(), nullptr) {
  if (args.positional.size() > names_.size())
    throw JinjaError(fn_ + "() takes at most " + std::to_string(names_.size()) + " argument(s) (" +
                     std::to_string(args.positional.size()) + " given)");
  for (size_t i = 0; i < args.positional.size(); ++i) slots_[i] = &args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < names_.size() && key != names_[i]) ++i;
    if (i == names_.size())
      throw JinjaError(fn_ + "() got an unexpected keyword argument '" + key + "'");
    if (slots_[i]) throw JinjaError(fn_ + "() got multiple values for argument '" + key + "'");
    slots_[i] = &value;
  }
}

const Value& ArgReader::required(size_t i) const {
  if (!slots_[i]) throw JinjaError(fn_ + "() missing required argument '" + names_[i] + "'");
  return *slots_[i];
}

int64_t ArgReader::int_or(size_t i, int64_t fallback) const {
  if (!has(i)) return fallback;
  if (slots_[i]->kind() != Value::Kind::Int && slots_[i]->kind() != Value::Kind::Bool)
    throw JinjaError(fn_ + "(): '" + names_[i] + "' must be an integer");
  return slots_[i]->as_int();
}

std::string ArgReader::string_or(size_t i, std::string fallback) const {
  if (!has(i)) return fallback;
  if (!slots_[i]->is_string()) throw JinjaError(fn_ + "(): '" + names_[i] + "' must be a string");
  return slots_[i]->as_string();
}

namespace {

using K = Value::Kind;
using FilterFn = Value (*)(const Value&, Args&);
using TestFn = bool (*)(const Value&, Args&);

void no_args(Args& a, const char* fn) {
  ArgReader(a, fn, {});
}

// Jinja's attribute getter for map/selectattr/sort: "a.b" looks up items a then b.
Value lookup_path(const Value& item, const std::string& path) {
  Value v = item;
  for (size_t start = 0;;) {
    const size_t dot = path.find('.', start);
    v = get_item(v, Value(path.substr(start, dot - start)));
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

Value f_abs(const Value& v, Args& a) {
  no_args(a, "abs");
  if (!v.is_number())
    throw JinjaError(std::string("bad operand type for abs(): '") + v.type_name() + "'");
  if (v.kind() == K::Float) return Value(std::fabs(v.as_double()));
  if (v.as_int() == INT64_MIN) throw JinjaError("integer overflow");
  return Value(int64_t(std::llabs(v.as_int())));
}

Value f_capitalize(const Value& v, Args& a) {
  no_args(a, "capitalize");
  std::string s = ascii_lower(to_str(v));
  if (!s.empty()) s[0] = ascii_upper(s.substr(0, 1))[0];
  return Value(s);
}

Value f_default(const Value& v, Args& a) {
  ArgReader r(a, "default", {"default_value", "boolean"});
  if (v.is_undefined() || (r.bool_or(1, false) && !v.truthy())) return r.value_or(0, Value(""));
  return v;
}

Value f_first(const Value& v, Args& a) {
  no_args(a, "first");
  std::vector<Value> items = iterate(v);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}

Value f_last(const Value& v, Args& a) {
  no_args(a, "last");
  std::vector<Value> items = iterate(v);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}

// Python float(str): surrounding whitespace, underscores between digits, inf / nan.
bool parse_float(std::string s, double& out) {
  s = py_strip(s, nullptr, true, true);
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

Value f_float(const Value& v, Args& a) {
  ArgReader r(a, "float", {"default"});
  const Value fallback = r.value_or(0, Value(0.0));
  if (v.is_number()) return Value(v.as_double());
  double d;
  if (v.is_string() && parse_float(v.as_string(), d)) return Value(d);
  return fallback;
}

Value f_int(const Value& v, Args& a) {
  ArgReader r(a, "int", {"default", "base"});
  const Value fallback = r.value_or(0, Value(int64_t(0)));
  const int base = int(r.int_or(1, 10));
  if (v.kind() == K::Int || v.kind() == K::Bool) return Value(v.as_int());
  if (v.kind() == K::Float)
    return std::isfinite(v.as_double()) && std::fabs(v.as_double()) < 9.2e18
               ? Value(int64_t(v.as_double()))
               : fallback;
  if (!v.is_string()) return fallback;
  std::string s = py_strip(v.as_string(), nullptr, true, true);
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  if (!s.empty() && base >= 2 && base <= 36) {
    char* end = nullptr;
    errno = 0;
    const long long i = std::strtoll(s.c_str(), &end, base);
    if (end == s.c_str() + s.size() && errno == 0) return Value(int64_t(i));
  }
  double d;
  if (parse_float(s, d) && std::isfinite(d) && std::fabs(d) < 9.2e18) return Value(int64_t(d));
  return fallback;
}

Value f_items(const Value& v, Args& a) {
  no_args(a, "items");
  if (v.is_undefined()) return Value::list({});
  if (v.kind() != K::Dict)
    throw JinjaError(std::string("items filter expects a dict, got ") + v.type_name());
  List out;
  for (const auto& [k, val] : v.as_dict())
    out.push_back(
        Value::list({v.has_data_keys() ? Value::all_data(k) : Value(k), val}, true));
  return Value::list(std::move(out));
}

Value f_join(const Value& v, Args& a) {
  ArgReader r(a, "join", {"d", "attribute"});
  r.string_or(0, "");  // the separator must be a string
  const Value sep = r.has(0) ? *r.get(0) : Value(std::string());
  std::vector<Value> items = iterate(v);
  for (Value& item : items)
    item = to_str_value(r.has(1) ? lookup_path(item, to_str(*r.get(1))) : item);
  return join_strings(items, sep);
}

Value f_length(const Value& v, Args& a) {
  no_args(a, "length");
  return Value(int64_t(length(v)));
}

Value f_list(const Value& v, Args& a) {
  no_args(a, "list");
  return Value::list(iterate(v));
}

Value f_lower(const Value& v, Args& a) {
  no_args(a, "lower");
  return Value(ascii_lower(to_str(v)));
}

Value f_upper(const Value& v, Args& a) {
  no_args(a, "upper");
  return Value(ascii_upper(to_str(v)));
}

// Remaining positional arguments after the first `skip` (a filter or test name and its args).
Args rest_args(const Args& a, size_t skip) {
  Args rest;
  rest.positional.assign(a.positional.begin() + std::min(skip, a.positional.size()),
                         a.positional.end());
  return rest;
}

Value f_map(const Value& v, Args& a) {
  List out;
  const Value* attribute = nullptr;
  const Value* fallback = nullptr;
  for (const auto& [k, val] : a.keyword) {
    if (k == "attribute")
      attribute = &val;
    else if (k == "default")
      fallback = &val;
    else
      throw JinjaError("map() got an unexpected keyword argument '" + k + "'");
  }
  if (!attribute && a.positional.empty())
    throw JinjaError("map() needs a filter name or attribute=");
  for (const Value& item : iterate(v)) {
    if (attribute) {
      Value x = lookup_path(item, to_str(*attribute));
      out.push_back(x.is_undefined() && fallback ? *fallback : x);
    } else {
      Args rest = rest_args(a, 1);
      const std::string name = to_str(a.positional[0]);
      if (!has_filter(name)) throw JinjaError("map(): no filter named '" + name + "'");
      out.push_back(apply_filter(name, item, rest));
    }
  }
  return Value::list(std::move(out));
}

// select / reject / selectattr / rejectattr.
Value select_items(const Value& v, Args& a, bool by_attr, bool keep) {
  const size_t test_at = by_attr ? 1 : 0;
  if (by_attr && a.positional.empty()) throw JinjaError("selectattr() needs an attribute name");
  List out;
  for (const Value& item : iterate(v)) {
    const Value subject = by_attr ? lookup_path(item, to_str(a.positional[0])) : item;
    bool ok;
    if (a.positional.size() > test_at) {
      const std::string test = to_str(a.positional[test_at]);
      if (!has_test(test)) throw JinjaError("no test named '" + test + "'");
      Args rest = rest_args(a, test_at + 1);
      ok = apply_test(test, subject, rest);
    } else {
      ok = subject.truthy();
    }
    if (ok == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value f_select(const Value& v, Args& a) {
  return select_items(v, a, false, true);
}
Value f_reject(const Value& v, Args& a) {
  return select_items(v, a, false, false);
}
Value f_selectattr(const Value& v, Args& a) {
  return select_items(v, a, true, true);
}
Value f_rejectattr(const Value& v, Args& a) {
  return select_items(v, a, true, false);
}

Value f_replace(const Value& v, Args& a) {
  ArgReader r(a, "replace", {"old", "new", "count"});
  return Value(
      py_replace(to_str(v), to_str(r.required(0)), to_str(r.required(1)), r.int_or(2, -1)));
}

Value f_reverse(const Value& v, Args& a) {
  no_args(a, "reverse");
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  if (!v.is_string()) return Value::list(std::move(items));
  std::string out;
  for (const Value& c : items) out += c.as_string();
  return v.has_data() ? Value::all_data(std::move(out)) : Value(std::move(out));
}

Value f_round(const Value& v, Args& a) {
  ArgReader r(a, "round", {"precision", "method"});
  const int64_t precision = r.int_or(0, 0);
  const std::string method = r.string_or(1, "common");
  if (!v.is_number())
    throw JinjaError(std::string("round(): expected a number, got ") + v.type_name());
  if (method != "common" && method != "ceil" && method != "floor")
    throw JinjaError("round(): method must be 'common', 'ceil' or 'floor'");
  if (method == "common" && v.kind() != K::Float) return Value(v.as_int());  // Python: int stays
  if (precision < -300 || precision > 300) throw JinjaError("round(): precision out of range");
  const double x = v.as_double(), scale = std::pow(10.0, double(precision));
  if (method == "ceil") return Value(std::ceil(x * scale) / scale);
  if (method == "floor") return Value(std::floor(x * scale) / scale);
  if (precision < 0) return Value(std::nearbyint(x * scale) / scale);
  char buf[1024];  // correctly rounded, ties to even, as Python's round(); fits 1e308 + 300 digits
  std::snprintf(buf, sizeof buf, "%.*f", int(precision), x);
  return Value(std::strtod(buf, nullptr));
}

Value f_safe(const Value& v, Args& a) {
  no_args(a, "safe");
  return v;
}

Value f_sort(const Value& v, Args& a) {
  ArgReader r(a, "sort", {"reverse", "case_sensitive", "attribute"});
  const bool reverse = r.bool_or(0, false), case_sensitive = r.bool_or(1, false);
  std::vector<std::pair<Value, Value>> keyed;  // (key, item)
  for (const Value& item : iterate(v)) {
    Value key = r.has(2) ? lookup_path(item, to_str(*r.get(2))) : item;
    if (!case_sensitive && key.is_string()) key = Value(ascii_lower(key.as_string()));
    keyed.emplace_back(std::move(key), item);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? compare("<", y.first, x.first) : compare("<", x.first, y.first);
  });
  List out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

Value f_string(const Value& v, Args& a) {
  no_args(a, "string");
  return to_str_value(v);
}

Value f_sum(const Value& v, Args& a) {
  ArgReader r(a, "sum", {"attribute", "start"});
  Value total = r.value_or(1, Value(int64_t(0)));
  for (const Value& item : iterate(v))
    total = binary_op("+", total, r.has(0) ? lookup_path(item, to_str(*r.get(0))) : item);
  return total;
}

// jinja2's title: words start after whitespace or one of -({[<.
Value f_title(const Value& v, Args& a) {
  no_args(a, "title");
  std::string s = to_str(v), out;
  bool word_start = true;
  for (const std::string& ch : utf8_chars(s)) {
    const bool sep =
        is_py_space(ch) || std::string_view("-({[<").find(ch[0]) != std::string_view::npos;
    out += sep ? ch : word_start ? ascii_upper(ch) : ascii_lower(ch);
    word_start = sep;
  }
  return Value(out);
}

Value f_tojson(const Value& v, Args& a) {
  ArgReader r(a, "tojson", {"ensure_ascii", "indent", "separators", "sort_keys"});
  if (r.bool_or(0, false)) throw JinjaError("tojson(ensure_ascii=True) is not supported");
  JsonStyle style;
  style.indent = r.has(1) ? int(std::clamp<int64_t>(r.int_or(1, 0), 0, 64)) : -1;
  if (style.indent >= 0) style.item_sep = ",";
  if (r.has(2)) {
    const Value& seps = *r.get(2);
    if (seps.kind() != K::List || seps.as_list().size() != 2 || !seps.as_list()[0].is_string() ||
        !seps.as_list()[1].is_string())
      throw JinjaError("tojson(): separators must be a pair of strings");
    style.item_sep = seps.as_list()[0].as_string();
    style.key_sep = seps.as_list()[1].as_string();
  }
  style.sort_keys = r.bool_or(3, false);
  return Value(to_json(v, style));
}

Value f_trim(const Value& v, Args& a) {
  ArgReader r(a, "trim", {"chars"});
  return py_strip_value(to_str_value(v), r.has(0) ? r.get(0) : nullptr, true, true);
}

Value f_unique(const Value& v, Args& a) {
  ArgReader r(a, "unique", {"case_sensitive", "attribute"});
  List out, keys;
  for (const Value& item : iterate(v)) {
    Value key = r.has(1) ? lookup_path(item, to_str(*r.get(1))) : item;
    if (!r.bool_or(0, false) && key.is_string()) key = Value(ascii_lower(key.as_string()));
    if (std::none_of(keys.begin(), keys.end(), [&](const Value& k) { return equals(k, key); })) {
      keys.push_back(key);
      out.push_back(item);
    }
  }
  return Value::list(std::move(out));
}

// A filter and whether it gives its result data ranges itself (selecting, slicing, joining);
// the others make their string results all data when given any data.
struct Filter {
  FilterFn fn;
  bool sets_provenance;
};

const std::map<std::string, Filter>& filters() {
  static const std::map<std::string, Filter> table = {
      {"abs", {f_abs, false}},
      {"capitalize", {f_capitalize, false}},
      {"count", {f_length, false}},
      {"d", {f_default, true}},
      {"default", {f_default, true}},
      {"first", {f_first, true}},
      {"float", {f_float, false}},
      {"int", {f_int, false}},
      {"items", {f_items, true}},
      {"join", {f_join, true}},
      {"last", {f_last, true}},
      {"length", {f_length, false}},
      {"list", {f_list, true}},
      {"lower", {f_lower, false}},
      {"map", {f_map, true}},  // each item goes through apply_filter or keeps its ranges
      {"reject", {f_reject, true}},
      {"rejectattr", {f_rejectattr, true}},
      {"replace", {f_replace, false}},
      {"reverse", {f_reverse, true}},
      {"round", {f_round, false}},
      {"safe", {f_safe, true}},
      {"select", {f_select, true}},
      {"selectattr", {f_selectattr, true}},
      {"sort", {f_sort, true}},
      {"string", {f_string, true}},
      {"sum", {f_sum, true}},  // binary_op keeps the ranges of what it adds
      {"title", {f_title, false}},
      {"tojson", {f_tojson, false}},
      {"trim", {f_trim, true}},
      {"unique", {f_unique, true}},
      {"upper", {f_upper, false}},
  };
  return table;
}

// --- tests ---

const Value& test_arg(Args& a, const char* name) {
  ArgReader r(a, name, {"other"});
  return r.required(0);
}

bool t_defined(const Value& v, Args&) {
  return !v.is_undefined();
}
bool t_undefined(const Value& v, Args&) {
  return v.is_undefined();
}
bool t_none(const Value& v, Args&) {
  return v.is_none();
}
bool t_boolean(const Value& v, Args&) {
  return v.kind() == K::Bool;
}
bool t_true(const Value& v, Args&) {
  return v.kind() == K::Bool && v.as_bool();
}
bool t_false(const Value& v, Args&) {
  return v.kind() == K::Bool && !v.as_bool();
}
bool t_integer(const Value& v, Args&) {
  return v.kind() == K::Int;
}
bool t_float(const Value& v, Args&) {
  return v.kind() == K::Float;
}
bool t_number(const Value& v, Args&) {
  return v.is_number();
}
bool t_string(const Value& v, Args&) {
  return v.is_string();
}
bool t_mapping(const Value& v, Args&) {
  return v.kind() == K::Dict;
}
bool t_callable(const Value& v, Args&) {
  return v.kind() == K::Function;
}
bool t_iterable(const Value& v, Args&) {
  return v.kind() == K::List || v.kind() == K::Dict || v.is_string() || v.is_undefined();
}
bool t_sequence(const Value& v, Args&) {
  return v.kind() == K::List || v.kind() == K::Dict || v.is_string();
}
bool t_lower(const Value& v, Args&) {
  const std::string s = to_str(v);
  return ascii_lower(s) == s && ascii_upper(s) != s;
}
bool t_upper(const Value& v, Args&) {
  const std::string s = to_str(v);
  return ascii_upper(s) == s && ascii_lower(s) != s;
}
bool t_odd(const Value& v, Args&) {
  return equals(binary_op("%", v, Value(2)), Value(1));
}
bool t_even(const Value& v, Args&) {
  return equals(binary_op("%", v, Value(2)), Value(0));
}
bool t_divisibleby(const Value& v, Args& a) {
  return equals(binary_op("%", v, test_arg(a, "divisibleby")), Value(0));
}
bool t_eq(const Value& v, Args& a) {
  return equals(v, test_arg(a, "eq"));
}
bool t_ne(const Value& v, Args& a) {
  return !equals(v, test_arg(a, "ne"));
}
bool t_lt(const Value& v, Args& a) {
  return compare("<", v, test_arg(a, "lt"));
}
bool t_le(const Value& v, Args& a) {
  return compare("<=", v, test_arg(a, "le"));
}
bool t_gt(const Value& v, Args& a) {
  return compare(">", v, test_arg(a, "gt"));
}
bool t_ge(const Value& v, Args& a) {
  return compare(">=", v, test_arg(a, "ge"));
}
bool t_in(const Value& v, Args& a) {
  return contains(test_arg(a, "in"), v);
}
bool t_sameas(const Value& v, Args& a) {
  const Value& o = test_arg(a, "sameas");
  return v.kind() == o.kind() && equals(v, o);
}
bool t_filter(const Value& v, Args&) {
  return v.is_string() && has_filter(v.as_string());
}
bool t_test(const Value& v, Args&) {
  return v.is_string() && has_test(v.as_string());
}

const std::map<std::string, TestFn>& tests() {
  static const std::map<std::string, TestFn> table = {
      {"defined", t_defined},
      {"undefined", t_undefined},
      {"none", t_none},
      {"boolean", t_boolean},
      {"true", t_true},
      {"false", t_false},
      {"integer", t_integer},
      {"float", t_float},
      {"number", t_number},
      {"string", t_string},
      {"mapping", t_mapping},
      {"callable", t_callable},
      {"iterable", t_iterable},
      {"sequence", t_sequence},
      {"lower", t_lower},
      {"upper", t_upper},
      {"odd", t_odd},
      {"even", t_even},
      {"divisibleby", t_divisibleby},
      {"eq", t_eq},
      {"equalto", t_eq},
      {"==", t_eq},
      {"ne", t_ne},
      {"!=", t_ne},
      {"lt", t_lt},
      {"lessthan", t_lt},
      {"<", t_lt},
      {"le", t_le},
      {"<=", t_le},
      {"gt", t_gt},
      {"greaterthan", t_gt},
      {">", t_gt},
      {"ge", t_ge},
      {">=", t_ge},
      {"in", t_in},
      {"sameas", t_sameas},
      {"filter", t_filter},
      {"test", t_test},
  };
  return table;
}

}  // namespace

bool has_filter(const std::string& name) {
  return filters().count(name) > 0;
}
bool has_test(const std::string& name) {
  return tests().count(name) > 0;
}

Value apply_filter(const std::string& name, const Value& subject, Args& args) {
  const Filter& f = filters().at(name);
  Value result = f.fn(subject, args);
  if (f.sets_provenance || !(subject.has_data() || args_have_data(args))) return result;
  return taint_all(result);
}

bool apply_test(const std::string& name, const Value& subject, Args& args) {
  return tests().at(name)(subject, args);
}

}  // namespace r1::jinja
