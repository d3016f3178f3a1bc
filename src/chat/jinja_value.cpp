// Python semantics of template values: truthiness, equality, str()/repr() and json.dumps output,
// so that rendered prompts match what transformers produces byte for byte.
#include "chat/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "chat/jinja_budget.h"

namespace r1::jinja {

namespace {

int checked_depth(int child_depth) {
  if (child_depth + 1 > kMaxValueDepth)
    throw JinjaError("value nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
  return child_depth + 1;
}

}  // namespace

Value::Value(std::string s) {
  RenderBudget::charge(s.size());
  v_ = Str{std::move(s), nullptr};
}

Value Value::with_data(std::string s, ByteRanges data) {
  std::erase_if(data, [&](const auto& r) { return r.first >= std::min(r.second, s.size()); });
  if (data.empty()) return Value(std::move(s));
  if (data.back().second > s.size()) data.back().second = s.size();
  RenderBudget::charge(s.size());
  return Value(Variant(Str{std::move(s), std::make_shared<const ByteRanges>(std::move(data))}));
}

Value Value::all_data(std::string s) {
  const size_t n = s.size();
  return with_data(std::move(s), ByteRanges{{0, n}});
}

size_t copy_bytes(const Value& v) {
  return sizeof(Value) + (v.is_string() ? v.as_string().size() : 0);
}

size_t copy_bytes(const List& items) {
  size_t n = 0;
  for (const Value& v : items) n += copy_bytes(v);
  return n;
}

Value Value::list(List items, bool tuple) {
  RenderBudget::charge(copy_bytes(items));
  int d = 0;
  bool data = false;
  for (const Value& v : items) {
    d = std::max(d, v.depth());
    data = data || v.has_data();
  }
  const int depth = checked_depth(d);
  return Value(
      Variant(std::make_shared<const ListBox>(ListBox{std::move(items), tuple, depth, data})));
}

Value Value::dict(Dict items, bool data_keys) {
  size_t bytes = 0;
  for (const auto& [k, v] : items) bytes += k.size() + copy_bytes(v);
  RenderBudget::charge(bytes);
  int d = 0;
  bool data = data_keys;
  for (const auto& kv : items) {
    d = std::max(d, kv.second.depth());
    data = data || kv.second.has_data();
  }
  const int depth = checked_depth(d);
  return Value(Variant(
      std::make_shared<const DictBox>(DictBox{std::move(items), depth, data, data_keys})));
}

const ByteRanges& Value::data_ranges() const {
  static const ByteRanges none;
  if (kind() != Kind::String) return none;
  const Str& s = std::get<Str>(v_);
  return s.data ? *s.data : none;
}

bool Value::has_data() const {
  switch (kind()) {
    case Kind::String:
      return std::get<Str>(v_).data != nullptr;
    case Kind::List:
      return list_ptr()->has_data;
    case Kind::Dict:
      return std::get<std::shared_ptr<const DictBox>>(v_)->has_data;
    case Kind::Namespace:
      return as_namespace().data_keys || std::any_of(as_namespace().attrs.begin(), as_namespace().attrs.end(), [](auto& kv) {
        return kv.second.kind() == Kind::Namespace || kv.second.has_data();
      });
    default:
      return false;
  }
}

bool Value::has_data_keys() const {
  return kind() == Kind::Dict && std::get<std::shared_ptr<const DictBox>>(v_)->data_keys;
}

Value taint_all(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::String:
      return Value::all_data(v.as_string());
    case Value::Kind::List: {
      List items;
      items.reserve(v.as_list().size());
      for (const Value& x : v.as_list()) items.push_back(taint_all(x));
      return Value::list(std::move(items), v.is_tuple());
    }
    case Value::Kind::Dict: {
      Dict items;
      items.reserve(v.as_dict().size());
      for (const auto& [k, x] : v.as_dict()) items.emplace_back(k, taint_all(x));
      return Value::dict(std::move(items), true);
    }
    default:
      return v;
  }
}

Value to_str_value(const Value& v) {
  if (v.is_string()) return v;
  std::string s = to_str(v);
  return v.has_data() ? Value::all_data(std::move(s)) : Value(std::move(s));
}

int Value::depth() const {
  if (kind() == Kind::List) return list_ptr()->depth;
  if (kind() == Kind::Dict) return std::get<std::shared_ptr<const DictBox>>(v_)->depth;
  return 0;
}

namespace {
thread_local NamespaceArena* current_arena = nullptr;
}

NamespaceArena::NamespaceArena() : previous_(current_arena) {
  current_arena = this;
}

NamespaceArena::~NamespaceArena() {
  for (const std::weak_ptr<Namespace>& w : created_)
    if (std::shared_ptr<Namespace> ns = w.lock()) ns->attrs.clear();
  current_arena = previous_;
}

NamespaceArena* NamespaceArena::current() {
  return current_arena;
}

Value Value::make_namespace(Dict attrs, bool data_keys) {
  auto ns = std::make_shared<Namespace>(Namespace{std::move(attrs), data_keys});
  if (NamespaceArena* arena = NamespaceArena::current()) arena->add(ns);
  return Value(Variant(std::move(ns)));
}

Value Value::function(std::string name, Function fn, bool sets_provenance) {
  return Value(Variant(std::make_shared<FunctionBox>(
      FunctionBox{std::move(name), std::move(fn), sets_provenance})));
}

Value Value::from_json(const OrderedJson& j, bool is_data) {
  switch (j.type()) {
    case OrderedJson::value_t::null:
      return none();
    case OrderedJson::value_t::boolean:
      return Value(j.get<bool>());
    case OrderedJson::value_t::number_integer:
      return Value(j.get<int64_t>());
    case OrderedJson::value_t::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      if (u <= uint64_t(std::numeric_limits<int64_t>::max())) return Value(int64_t(u));
      return Value(double(u));
    }
    case OrderedJson::value_t::number_float:
      return Value(j.get<double>());
    case OrderedJson::value_t::string:
      return is_data ? all_data(j.get<std::string>()) : Value(j.get<std::string>());
    case OrderedJson::value_t::array: {
      List items;
      items.reserve(j.size());
      for (const OrderedJson& e : j) items.push_back(from_json(e, is_data));
      return list(std::move(items));
    }
    case OrderedJson::value_t::object: {
      Dict items;
      items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it)
        items.emplace_back(it.key(), from_json(it.value(), is_data));
      const bool data_keys = is_data && !items.empty();  // before items is moved from
      return dict(std::move(items), data_keys);
    }
    default:  // binary and discarded values do not come out of the JSON parser
      return none();
  }
}

bool Value::is_number() const {
  const Kind k = kind();
  return k == Kind::Int || k == Kind::Float || k == Kind::Bool;
}

int64_t Value::as_int() const {
  return kind() == Kind::Bool ? int64_t(as_bool()) : std::get<int64_t>(v_);
}

double Value::as_double() const {
  return kind() == Kind::Float ? std::get<double>(v_) : double(as_int());
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::Undefined:
    case Kind::None:
      return false;
    case Kind::Bool:
      return as_bool();
    case Kind::Int:
      return as_int() != 0;
    case Kind::Float:
      return as_double() != 0.0;
    case Kind::String:
      return !as_string().empty();
    case Kind::List:
      return !as_list().empty();
    case Kind::Dict:
      return !as_dict().empty();
    default:
      return true;
  }
}

const char* Value::type_name() const {
  static const char* const names[] = {"Undefined", "NoneType", "bool", "int",       "float",
                                      "str",       "list",     "dict", "Namespace", "function"};
  if (is_tuple()) return "tuple";
  return names[int(kind())];
}

const Value* Value::find(const std::string& key) const {
  const Dict* d = kind() == Kind::Dict        ? &as_dict()
                  : kind() == Kind::Namespace ? &as_namespace().attrs
                                              : nullptr;
  if (!d) return nullptr;
  for (const auto& [k, v] : *d)
    if (k == key) return &v;
  return nullptr;
}

namespace {

// Decodes one code point (or one invalid byte, returned as -1) starting at s[i]; advances i.
int32_t next_code_point(std::string_view s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return b < 0x80 ? int32_t(b) : -1;
  }
  int32_t cp = len == 1 ? b : b & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 2) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (c & 0x3f);
  }
  i += len;
  return cp;
}

// Python's str.isprintable() for the code points that matter in practice: controls, the
// non-breaking and other Unicode spaces, format characters and private use are not printable.
bool is_printable(int32_t cp) {
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad) return false;
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f))
    return false;
  if ((cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff) return false;
  if ((cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xd800 && cp <= 0xf8ff) || cp >= 0xf0000)
    return false;
  return !(cp >= 0xe0000 && cp <= 0xe0fff);
}

void append_hex(std::string& out, const char* prefix, uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%0*x", prefix, digits, v);
  out += buf;
}

std::string string_repr(const std::string& s) {
  RenderBudget::charge(s.size() + 2);
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char quote = dq ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const int32_t cp = next_code_point(s, i);
    if (cp == quote || cp == '\\') {
      out += '\\';
      out += char(cp);
    } else if (cp == '\t' || cp == '\n' || cp == '\r') {
      out += cp == '\t' ? "\\t" : cp == '\n' ? "\\n" : "\\r";
    } else if (cp < 0) {  // Python would have surrogate escapes here; show the byte
      append_hex(out, "\\x", static_cast<unsigned char>(s[start]), 2);
    } else if (!is_printable(cp)) {
      if (cp < 0x100)
        append_hex(out, "\\x", uint32_t(cp), 2);
      else if (cp < 0x10000)
        append_hex(out, "\\u", uint32_t(cp), 4);
      else
        append_hex(out, "\\U", uint32_t(cp), 8);
    } else {
      out.append(s, start, i - start);
    }
  }
  return out + quote;
}

void append_json_string(std::string& out, const std::string& s) {
  RenderBudget::charge(s.size() + 2);
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          append_hex(out, "\\u", static_cast<unsigned char>(c), 4);
        else
          out += c;
    }
  }
  out += '"';
}

void append_json(std::string& out, const Value& v, const JsonStyle& st, int level);

void append_charged(std::string& out, std::string_view text);

void append_newline(std::string& out, const JsonStyle& st, int level) {
  if (st.indent < 0) return;
  out += '\n';
  out.append(size_t(st.indent) * size_t(level), ' ');
}

void append_json_dict(std::string& out, const Dict& d, const JsonStyle& st, int level) {
  if (d.empty()) {
    out += "{}";
    return;
  }
  std::vector<const std::pair<std::string, Value>*> items;
  for (const auto& kv : d) items.push_back(&kv);
  if (st.sort_keys)
    std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
  out += '{';
  for (size_t i = 0; i < items.size(); ++i) {
    RenderBudget::charge(st.item_sep.size() + st.key_sep.size() +
                         size_t(std::max(st.indent, 0)) * size_t(level + 1) + 1);
    if (i) out += st.item_sep;
    append_newline(out, st, level + 1);
    append_json_string(out, items[i]->first);
    out += st.key_sep;
    append_json(out, items[i]->second, st, level + 1);
  }
  append_newline(out, st, level);
  out += '}';
}

void append_json(std::string& out, const Value& v, const JsonStyle& st, int level) {
  if (level > 512) throw JinjaError("tojson: value nested deeper than 512 levels");
  switch (v.kind()) {
    case Value::Kind::None:
      out += "null";
      return;
    case Value::Kind::Bool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::Int:
      append_charged(out, std::to_string(v.as_int()));
      return;
    case Value::Kind::Float: {
      const double d = v.as_double();
      append_charged(out, std::isnan(d)   ? "NaN"
                          : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity")
                                          : float_repr(d));
      return;
    }
    case Value::Kind::String:
      append_json_string(out, v.as_string());
      return;
    case Value::Kind::List: {
      const List& l = v.as_list();
      if (l.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < l.size(); ++i) {
        RenderBudget::charge(st.item_sep.size() + size_t(std::max(st.indent, 0)) * size_t(level + 1) + 1);
        if (i) out += st.item_sep;
        append_newline(out, st, level + 1);
        append_json(out, l[i], st, level + 1);
      }
      append_newline(out, st, level);
      out += ']';
      return;
    }
    case Value::Kind::Dict:
      append_json_dict(out, v.as_dict(), st, level);
      return;
    default:
      throw JinjaError(std::string("Object of type ") + v.type_name() +
                       " is not JSON serializable");
  }
}

void append_repr(std::string& out, const Value& v);

// Appends text charged to the render's budget first: printing a list that holds the same
// sublist twice, many levels deep, is exponential in its depth.
void append_charged(std::string& out, std::string_view text) {
  RenderBudget::charge(text.size());
  out += text;
}

void append_repr_items(std::string& out, const List& l, bool tuple) {
  append_charged(out, tuple ? "(" : "[");
  for (size_t i = 0; i < l.size(); ++i) {
    if (i) append_charged(out, ", ");
    append_repr(out, l[i]);
  }
  if (tuple && l.size() == 1) append_charged(out, ",");
  append_charged(out, tuple ? ")" : "]");
}

void append_dict_repr(std::string& out, const Dict& d) {
  append_charged(out, "{");
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) append_charged(out, ", ");
    out += string_repr(d[i].first);
    append_charged(out, ": ");
    append_repr(out, d[i].second);
  }
  append_charged(out, "}");
}

// Python repr() of v appended to out.
void append_repr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::String:
      out += string_repr(v.as_string());
      return;
    case Value::Kind::Undefined:
      append_charged(out, "Undefined");
      return;
    case Value::Kind::Namespace:  // inside a container or namespace: no cycles when printing
      append_charged(out, "<Namespace>");
      return;
    case Value::Kind::List:
      append_repr_items(out, v.as_list(), v.is_tuple());
      return;
    case Value::Kind::Dict:
      append_dict_repr(out, v.as_dict());
      return;
    default:
      append_charged(out, to_str(v));
  }
}

}  // namespace

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // "-1.2345e+02": shortest round-trip digits
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp = std::stoi(sci.substr(e + 1));
  const int decpt = exp + 1;        // position of the decimal point relative to the digits
  if (decpt > -4 && decpt <= 16) {  // Python's repr switches to exponent notation outside this
    std::string s;
    if (decpt <= 0) {
      s = std::string("0.").append(size_t(-decpt), '0') + digits;
    } else if (size_t(decpt) >= digits.size()) {
      s = digits + std::string(size_t(decpt) - digits.size(), '0') + ".0";
    } else {
      s = digits.substr(0, size_t(decpt)) + "." + digits.substr(size_t(decpt));
    }
    return sign + s;
  }
  std::string mant = digits.substr(0, 1);
  if (digits.size() > 1) mant += "." + digits.substr(1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return sign + mant + ebuf;
}

std::string repr(const Value& v) {
  std::string out;
  append_repr(out, v);
  return out;
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return "";
    case Value::Kind::None:
      return "None";
    case Value::Kind::Bool:
      return v.as_bool() ? "True" : "False";
    case Value::Kind::Int:
      return std::to_string(v.as_int());
    case Value::Kind::Float:
      return float_repr(v.as_double());
    case Value::Kind::String:
      return v.as_string();
    case Value::Kind::List:
      return repr(v);
    case Value::Kind::Dict:
      return repr(v);
    case Value::Kind::Namespace: {
      std::string out = "<Namespace ";
      append_dict_repr(out, v.as_namespace().attrs);
      return out + ">";
    }
    default:
      return "<function>";
  }
}

std::string to_json(const Value& v, const JsonStyle& style) {
  std::string out;
  append_json(out, v, style, 0);
  return out;
}

bool equals(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.kind() != K::Float && b.kind() != K::Float) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::Undefined:
    case K::None:
      return true;
    case K::String:
      return a.as_string() == b.as_string();
    case K::List: {
      const List &x = a.as_list(), &y = b.as_list();
      if (a.is_tuple() != b.is_tuple() || x.size() != y.size()) return false;
      RenderBudget::tick(x.size());  // shared sublists can make comparisons exponential
      for (size_t i = 0; i < x.size(); ++i)
        if (!equals(x[i], y[i])) return false;
      return true;
    }
    case K::Dict: {
      if (a.as_dict().size() != b.as_dict().size()) return false;
      RenderBudget::tick(a.as_dict().size());
      for (const auto& [k, v] : a.as_dict()) {
        const Value* other = b.find(k);
        if (!other || !equals(v, *other)) return false;
      }
      return true;
    }
    case K::Namespace:
      return &a.as_namespace() == &b.as_namespace();
    default:
      return &a.as_function() == &b.as_function();
  }
}

std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    next_code_point(s, i);
    out.emplace_back(s, start, i - start);
  }
  return out;
}

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) next_code_point(s, i);
  return n;
}

bool is_py_space(std::string_view ch) {
  size_t i = 0;
  const int32_t cp = next_code_point(ch, i);
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

}  // namespace r1::jinja
