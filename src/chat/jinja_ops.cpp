// Python semantics of the operators and lookups templates use; where Python would raise, we
// throw JinjaError with a message in Python's terms.
#include "chat/jinja_ops.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "chat/jinja_budget.h"
#include "chat/jinja_builtins.h"
#include "chat/jinja_text_builder.h"

namespace r1::jinja {

namespace {

using K = Value::Kind;

bool is_intlike(const Value& v) {
  return v.kind() == K::Int || v.kind() == K::Bool;
}

[[noreturn]] void bad_operands(const std::string& op, const Value& a, const Value& b) {
  throw JinjaError("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" +
                   b.type_name() + "'");
}

// Python integers do not overflow; ours are 64-bit and refuse to.
int64_t add_int(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw JinjaError("integer overflow");
  return r;
}
int64_t sub_int(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) throw JinjaError("integer overflow");
  return r;
}
int64_t mul_int(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw JinjaError("integer overflow");
  return r;
}

// Checks that a result of n items of `unit` bytes each fits the render's budget.
void check_result_size(uint64_t n, size_t unit) {
  size_t bytes;
  if (__builtin_mul_overflow(n, uint64_t(unit), &bytes)) bytes = SIZE_MAX;
  RenderBudget::check(bytes);
}

// a + b of two strings, data ranges kept.
Value concat(const Value& a, const Value& b) {
  RenderBudget::check(a.as_string().size() + b.as_string().size());
  if (!a.has_data() && !b.has_data()) return Value(a.as_string() + b.as_string());
  TextBuilder out;
  out.append(a);
  out.append(b);
  return std::move(out).build();
}

Value repeat(const Value& seq, int64_t n) {
  const size_t size = seq.is_string() ? seq.as_string().size() : seq.as_list().size();
  if (n <= 0 || size == 0)
    return seq.is_string() ? Value(std::string()) : Value::list({}, seq.is_tuple());
  const size_t unit = seq.is_string() ? size : copy_bytes(seq.as_list());
  check_result_size(uint64_t(n), unit);
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += s;
    return seq.has_data() ? Value::all_data(std::move(out)) : Value(std::move(out));
  }
  const List& l = seq.as_list();
  List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), l.begin(), l.end());
  return Value::list(std::move(out), seq.is_tuple());
}

Value add(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (is_intlike(a) && is_intlike(b)) return Value(add_int(a.as_int(), b.as_int()));
    return Value(a.as_double() + b.as_double());
  }
  if (a.is_string() && b.is_string()) return concat(a, b);
  if (a.kind() == K::List && b.kind() == K::List && a.is_tuple() == b.is_tuple()) {
    RenderBudget::check(copy_bytes(a.as_list()) + copy_bytes(b.as_list()));
    List out = a.as_list();
    out.insert(out.end(), b.as_list().begin(), b.as_list().end());
    return Value::list(std::move(out), a.is_tuple());
  }
  if (a.is_string())
    throw JinjaError(std::string("can only concatenate str (not \"") + b.type_name() +
                     "\") to str");
  bad_operands("+", a, b);
}

Value divide(const std::string& op, const Value& a, const Value& b) {
  if (b.as_double() == 0.0)
    throw JinjaError(op == "/" ? "division by zero" : "integer division or modulo by zero");
  if (op == "/") return Value(a.as_double() / b.as_double());
  if (is_intlike(a) && is_intlike(b)) {
    const int64_t x = a.as_int(), y = b.as_int();
    if (x == INT64_MIN && y == -1) throw JinjaError("integer overflow");
    int64_t q = x / y, r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) --q, r += y;  // Python floors toward -infinity
    return op == "//" ? Value(q) : Value(r);
  }
  const double x = a.as_double(), y = b.as_double();
  if (op == "//") return Value(std::floor(x / y));
  double r = std::fmod(x, y);
  if (r != 0.0 && ((r < 0) != (y < 0))) r += y;
  return Value(r);
}

Value power(const Value& a, const Value& b) {
  if (is_intlike(a) && is_intlike(b) && b.as_int() >= 0) {
    int64_t result = 1, base = a.as_int();
    for (int64_t e = b.as_int(); e > 0; e >>= 1) {
      if (e & 1) result = mul_int(result, base);
      if (e > 1) base = mul_int(base, base);
    }
    return Value(result);
  }
  if (a.as_double() == 0.0 && b.as_double() < 0)
    throw JinjaError("0.0 cannot be raised to a negative power");
  return Value(std::pow(a.as_double(), b.as_double()));
}

bool less(const Value& a, const Value& b, const std::string& op) {
  if (a.is_number() && b.is_number()) {
    if (is_intlike(a) && is_intlike(b)) return a.as_int() < b.as_int();
    return a.as_double() < b.as_double();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.kind() == K::List && b.kind() == K::List && a.is_tuple() == b.is_tuple()) {
    const List &x = a.as_list(), &y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i)
      if (!equals(x[i], y[i])) return less(x[i], y[i], op);
    return x.size() < y.size();
  }
  require_defined(a);
  require_defined(b);
  throw JinjaError("'" + op + "' not supported between instances of '" + a.type_name() + "' and '" +
                   b.type_name() + "'");
}

// Python's slice.indices(): the visited positions of a sequence of length n.
std::vector<size_t> slice_positions(size_t n, const Value& start, const Value& stop,
                                    const Value& step) {
  auto given = [](const Value& v) { return !v.is_undefined() && !v.is_none(); };
  const int64_t len = int64_t(n);
  int64_t st = given(step) ? step.as_int() : 1;
  if (st == 0) throw JinjaError("slice step cannot be zero");
  st = std::clamp<int64_t>(st, -len - 1, len + 1);  // larger steps visit the same positions
  auto clamp = [&](const Value& v, int64_t dflt) {
    if (!given(v)) return dflt;
    int64_t i = v.as_int();
    if (i < 0) i += len;
    if (st > 0) return std::clamp<int64_t>(i, 0, len);
    return std::clamp<int64_t>(i, -1, len - 1);
  };
  const int64_t b = clamp(start, st > 0 ? 0 : len - 1), e = clamp(stop, st > 0 ? len : -1);
  std::vector<size_t> out;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st) out.push_back(size_t(i));
  return out;
}

}  // namespace

void require_defined(const Value& v) {
  if (v.is_undefined()) throw JinjaError(v.undefined_hint());
}

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") {
    if (a.is_string() && b.is_string()) return concat(a, b);
    return concat(to_str_value(a), to_str_value(b));
  }
  require_defined(a);
  require_defined(b);
  if (op == "+") return add(a, b);
  if (op == "*") {
    if (a.is_number() && b.is_number()) {
      if (!is_intlike(a) || !is_intlike(b)) return Value(a.as_double() * b.as_double());
      return Value(mul_int(a.as_int(), b.as_int()));
    }
    if ((a.is_string() || a.kind() == K::List) && is_intlike(b)) return repeat(a, b.as_int());
    if ((b.is_string() || b.kind() == K::List) && is_intlike(a)) return repeat(b, a.as_int());
    bad_operands(op, a, b);
  }
  if (!a.is_number() || !b.is_number()) {
    if (op == "%" && a.is_string()) throw JinjaError("string formatting with '%' is not supported");
    bad_operands(op, a, b);
  }
  if (op == "-") {
    if (!is_intlike(a) || !is_intlike(b)) return Value(a.as_double() - b.as_double());
    return Value(sub_int(a.as_int(), b.as_int()));
  }
  if (op == "**") return power(a, b);
  return divide(op, a, b);  // "/", "//", "%"
}

Value unary_op(const std::string& op, const Value& a) {
  if (op == "not") return Value(!a.truthy());
  require_defined(a);
  if (!a.is_number())
    throw JinjaError(std::string("bad operand type for unary ") + op + ": '" + a.type_name() + "'");
  if (op == "+") return is_intlike(a) ? Value(a.as_int()) : a;
  if (!is_intlike(a)) return Value(-a.as_double());
  if (a.as_int() == INT64_MIN) throw JinjaError("integer overflow");
  return Value(-a.as_int());
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case K::Undefined:
      return false;
    case K::String:
      if (!item.is_string())
        throw JinjaError(std::string("'in <string>' requires string as left operand, not ") +
                         item.type_name());
      return container.as_string().find(item.as_string()) != std::string::npos;
    case K::List:
      for (const Value& v : container.as_list())
        if (equals(v, item)) return true;
      return false;
    case K::Dict:
      return item.is_string() && container.find(item.as_string()) != nullptr;
    default:
      throw JinjaError(std::string("argument of type '") + container.type_name() +
                       "' is not iterable");
  }
}

bool compare(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return equals(a, b);
  if (op == "!=") return !equals(a, b);
  if (op == "in") return contains(b, a);
  if (op == "not in") return !contains(b, a);
  if (op == "<") return less(a, b, op);
  if (op == ">") return less(b, a, op);
  if (op == "<=") return !less(b, a, op);
  return !less(a, b, op);  // ">="
}

Value get_attr(const Value& obj, const std::string& name) {
  require_defined(obj);
  if (std::optional<Value> m = method(obj, name)) return *m;
  if (const Value* v = obj.find(name)) return *v;
  return Value::undefined(std::string("'") + obj.type_name() + " object' has no attribute '" +
                          name + "'");
}

Value get_item(const Value& obj, const Value& key) {
  require_defined(obj);
  if (obj.kind() == K::Dict && key.is_string()) {
    if (const Value* v = obj.find(key.as_string())) return *v;
  } else if ((obj.kind() == K::List || obj.is_string()) && is_intlike(key)) {
    const bool str = obj.is_string();
    std::vector<size_t> at;
    if (str) at = utf8_offsets(obj.as_string());
    const int64_t n = int64_t(str ? at.size() - 1 : obj.as_list().size());
    int64_t i = key.as_int();
    if (i < 0) i += n;
    if (i >= 0 && i < n)
      return str ? substring(obj, at[size_t(i)], at[size_t(i) + 1]) : obj.as_list()[size_t(i)];
    return Value::undefined(std::string("'") + obj.type_name() + " object' has no element " +
                            std::to_string(key.as_int()));
  }
  if (key.is_string()) return get_attr(obj, key.as_string());
  return Value::undefined(std::string("'") + obj.type_name() + " object' has no element " +
                          repr(key));
}

Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  require_defined(obj);
  for (const Value* v : {&start, &stop, &step})
    if (!v->is_undefined() && !v->is_none() && !is_intlike(*v))
      return Value::undefined("slice indices must be integers or None");
  if (obj.is_string()) {
    const std::vector<size_t> at = utf8_offsets(obj.as_string());
    const std::vector<size_t> picked = slice_positions(at.size() - 1, start, stop, step);
    if (!picked.empty() && picked.back() + 1 - picked.front() == picked.size())  // contiguous
      return substring(obj, at[picked.front()], at[picked.back() + 1]);
    TextBuilder out;
    for (size_t i : picked) out.append_part(obj, at[i], at[i + 1]);
    return std::move(out).build();
  }
  if (obj.kind() != K::List)
    return Value::undefined(std::string("'") + obj.type_name() + "' object is not subscriptable");
  const List& l = obj.as_list();
  const std::vector<size_t> picked = slice_positions(l.size(), start, stop, step);
  size_t bytes = 0;
  for (size_t i : picked) bytes += copy_bytes(l[i]);
  RenderBudget::check(bytes);
  List out;
  for (size_t i : picked) out.push_back(l[i]);
  return Value::list(std::move(out), obj.is_tuple());
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case K::Undefined:
      return {};
    case K::List:
      RenderBudget::charge(copy_bytes(v.as_list()));
      return v.as_list();
    case K::Dict: {
      RenderBudget::charge_items(v.as_dict().size());
      std::vector<Value> keys;
      for (const auto& kv : v.as_dict())
        keys.push_back(v.has_data_keys() ? Value::all_data(kv.first) : Value(kv.first));
      return keys;
    }
    case K::String: {
      const std::vector<size_t> at = utf8_offsets(v.as_string());
      RenderBudget::charge_items(at.size());
      std::vector<Value> chars;
      for (size_t i = 0; i + 1 < at.size(); ++i) chars.push_back(substring(v, at[i], at[i + 1]));
      return chars;
    }
    default:
      throw JinjaError(std::string("'") + v.type_name() + "' object is not iterable");
  }
}

size_t length(const Value& v) {
  switch (v.kind()) {
    case K::Undefined:
      return 0;
    case K::String:
      return utf8_length(v.as_string());
    case K::List:
      return v.as_list().size();
    case K::Dict:
      return v.as_dict().size();
    default:
      throw JinjaError(std::string("object of type '") + v.type_name() + "' has no len()");
  }
}

}  // namespace r1::jinja
