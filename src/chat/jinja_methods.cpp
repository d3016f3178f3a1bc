// Python str and dict methods callable from templates (message.content.split('</think>'),
// tool.items(), ...) and the global functions of transformers' chat-template environment.
#include <algorithm>
#include <ctime>
#include <map>

#include "chat/jinja_budget.h"
#include "chat/jinja_builtins.h"
#include "chat/jinja_ops.h"
#include "chat/jinja_text_builder.h"

namespace r1::jinja {

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
  return s;
}

std::pair<size_t, size_t> py_strip_bounds(const std::string& s, const Value* chars, bool left,
                                          bool right) {
  std::vector<std::string> strip_set;
  const bool by_set = chars && !chars->is_none();
  if (by_set) {
    if (!chars->is_string()) throw JinjaError("strip arg must be None or str");
    strip_set = utf8_chars(chars->as_string());
  }
  // Works on byte ranges of whole code points: contents can be long, the stripped ends short.
  auto strippable = [&](size_t b, size_t e) {
    const std::string_view ch(s.data() + b, e - b);
    return by_set ? std::find(strip_set.begin(), strip_set.end(), ch) != strip_set.end()
                  : is_py_space(ch);
  };
  auto is_cont = [&](size_t i) { return (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80; };
  size_t b = 0, e = s.size();
  while (left && b < e) {
    size_t n = b + 1;
    while (n < e && n - b < 4 && is_cont(n)) ++n;
    if (!strippable(b, n)) break;
    b = n;
  }
  while (right && e > b) {
    size_t k = e - 1;
    while (k > b && e - k < 4 && is_cont(k)) --k;
    if (!strippable(k, e)) break;
    e = k;
  }
  return {b, e};
}

std::string py_strip(const std::string& s, const Value* chars, bool left, bool right) {
  const auto [b, e] = py_strip_bounds(s, chars, left, right);
  return s.substr(b, e - b);
}

Value py_strip_value(const Value& s, const Value* chars, bool left, bool right) {
  const auto [b, e] = py_strip_bounds(s.as_string(), chars, left, right);
  return substring(s, b, e);
}

Value join_strings(const std::vector<Value>& items, const Value& sep) {
  size_t total = items.empty() ? 0 : (items.size() - 1) * sep.as_string().size();
  for (const Value& item : items) total += item.as_string().size();
  RenderBudget::check(total);
  TextBuilder out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.append(sep);
    out.append(items[i]);
  }
  return std::move(out).build();
}

bool args_have_data(const Args& args) {
  for (const Value& v : args.positional)
    if (v.has_data()) return true;
  for (const auto& kv : args.keyword)
    if (kv.second.has_data()) return true;
  return false;
}

namespace {

// How many replacements str.replace makes (count < 0: all).
uint64_t replacements(const std::string& s, const std::string& from, int64_t count) {
  uint64_t n = 0;
  if (from.empty()) {
    n = utf8_length(s) + 1;
  } else {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + from.size()))
      ++n;
  }
  return count < 0 ? n : std::min(n, uint64_t(count));
}

}  // namespace

std::string py_replace(const std::string& s, const std::string& from, const std::string& to,
                       int64_t count) {
  const uint64_t n = replacements(s, from, count);
  const uint64_t grow = to.size() > from.size() ? to.size() - from.size() : 0;
  // The result's size, checked against the render's budget before it is built.
  RenderBudget::check(grow != 0 && n > (SIZE_MAX - s.size()) / grow ? SIZE_MAX
                                                                     : s.size() + n * grow);
  std::string out;
  if (from.empty()) {  // Python inserts `to` around every character
    const std::vector<std::string> cs = utf8_chars(s);
    for (size_t i = 0; i <= cs.size(); ++i) {
      if (count < 0 || int64_t(i) < count) out += to;
      if (i < cs.size()) out += cs[i];
    }
    return out;
  }
  size_t pos = 0;
  for (int64_t k = 0; count < 0 || k < count; ++k) {
    const size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  return out + s.substr(pos);
}

namespace {

using K = Value::Kind;
using Method = Value (*)(const std::string&, Args&);
using RangedMethod = Value (*)(const Value&, Args&);

Value str_list(std::vector<std::string> parts) {
  List out;
  for (std::string& p : parts) out.emplace_back(std::move(p));
  return Value::list(std::move(out));
}

// Splitting on runs of whitespace: the byte ranges of the words, at most maxsplit splits
// (the rest, whitespace and all, is the last word; from the right for rsplit).
std::vector<std::pair<size_t, size_t>> split_whitespace(const std::string& s, int64_t maxsplit,
                                                        bool from_right) {
  const std::vector<size_t> at = utf8_offsets(s);
  const size_t n = at.size() - 1;
  auto space = [&](size_t i) { return is_py_space(std::string_view(s).substr(at[i], at[i + 1] - at[i])); };
  std::vector<std::pair<size_t, size_t>> parts;
  if (!from_right) {
    for (size_t i = 0; i < n;) {
      while (i < n && space(i)) ++i;
      if (i == n) break;
      if (maxsplit-- == 0) {
        parts.emplace_back(at[i], s.size());
        break;
      }
      const size_t b = i;
      while (i < n && !space(i)) ++i;
      parts.emplace_back(at[b], at[i]);
    }
    return parts;
  }
  for (size_t i = n; i > 0;) {  // i: one past the next character to look at
    while (i > 0 && space(i - 1)) --i;
    if (i == 0) break;
    if (maxsplit-- == 0) {
      parts.emplace_back(0, at[i]);
      break;
    }
    const size_t e = i;
    while (i > 0 && !space(i - 1)) --i;
    parts.emplace_back(at[i], at[e]);
  }
  std::reverse(parts.begin(), parts.end());
  return parts;
}

// str.split / str.rsplit: each piece is a substring of self and keeps its data ranges.
Value split(const Value& self, Args& a, bool from_right) {
  const std::string& s = self.as_string();
  ArgReader r(a, from_right ? "rsplit" : "split", {"sep", "maxsplit"});
  int64_t maxsplit = r.int_or(1, -1);
  std::vector<std::pair<size_t, size_t>> parts;  // byte ranges of s
  if (r.has(0)) {
    const std::string sep = r.string_or(0, "");
    if (sep.empty()) throw JinjaError("empty separator");
    if (!from_right) {
      size_t pos = 0;
      for (size_t hit; maxsplit-- != 0 && (hit = s.find(sep, pos)) != std::string::npos;) {
        parts.emplace_back(pos, hit);
        pos = hit + sep.size();
      }
      parts.emplace_back(pos, s.size());
    } else {
      size_t end = s.size();
      for (size_t hit; maxsplit-- != 0 && end >= sep.size() &&
                       (hit = s.rfind(sep, end - sep.size())) != std::string::npos;) {
        parts.emplace_back(hit + sep.size(), end);
        end = hit;
      }
      parts.emplace_back(0, end);
      std::reverse(parts.begin(), parts.end());
    }
  } else {
    parts = split_whitespace(s, maxsplit, from_right);
  }
  RenderBudget::charge_items(parts.size());
  List out;
  for (const auto& [b, e] : parts) out.push_back(substring(self, b, e));
  return Value::list(std::move(out));
}

Value m_split(const Value& s, Args& a) {
  return split(s, a, false);
}
Value m_rsplit(const Value& s, Args& a) {
  return split(s, a, true);
}

Value strip_method(const Value& s, Args& a, const char* name, bool l, bool r) {
  ArgReader ar(a, name, {"chars"});
  return py_strip_value(s, ar.get(0), l, r);
}
Value m_strip(const Value& s, Args& a) {
  return strip_method(s, a, "strip", true, true);
}
Value m_lstrip(const Value& s, Args& a) {
  return strip_method(s, a, "lstrip", true, false);
}
Value m_rstrip(const Value& s, Args& a) {
  return strip_method(s, a, "rstrip", false, true);
}

Value affix(const std::string& s, Args& a, bool prefix) {
  ArgReader r(a, prefix ? "startswith" : "endswith", {prefix ? "prefix" : "suffix"});
  const Value& want = r.required(0);
  auto match = [&](const Value& v) {
    if (!v.is_string())
      throw JinjaError("startswith/endswith arguments must be str or a tuple of str");
    const std::string& x = v.as_string();
    return x.size() <= s.size() && (prefix ? s.compare(0, x.size(), x) == 0
                                           : s.compare(s.size() - x.size(), x.size(), x) == 0);
  };
  if (want.kind() == K::List)
    return Value(std::any_of(want.as_list().begin(), want.as_list().end(), match));
  return Value(match(want));
}
Value m_startswith(const std::string& s, Args& a) {
  return affix(s, a, true);
}
Value m_endswith(const std::string& s, Args& a) {
  return affix(s, a, false);
}

Value m_lower(const std::string& s, Args& a) {
  ArgReader(a, "lower", {});
  return Value(ascii_lower(s));
}
Value m_upper(const std::string& s, Args& a) {
  ArgReader(a, "upper", {});
  return Value(ascii_upper(s));
}

// Python's str.title(): a letter after a non-letter is upper case, the others lower case.
Value m_title(const std::string& s, Args& a) {
  ArgReader(a, "title", {});
  std::string out = s;
  bool prev_letter = false;
  for (char& c : out) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (letter)
      c = prev_letter ? ascii_lower(std::string(1, c))[0] : ascii_upper(std::string(1, c))[0];
    prev_letter = letter;
  }
  return Value(out);
}

Value m_capitalize(const std::string& s, Args& a) {
  ArgReader(a, "capitalize", {});
  std::string out = ascii_lower(s);
  if (!out.empty()) out[0] = ascii_upper(out.substr(0, 1))[0];
  return Value(out);
}

Value m_replace(const std::string& s, Args& a) {
  ArgReader r(a, "replace", {"old", "new", "count"});
  return Value(py_replace(s, r.string_or(0, ""), r.string_or(1, ""), r.int_or(2, -1)));
}

// find / rfind / index / rindex: positions in code points.
Value find_method(const std::string& s, Args& a, const char* name, bool from_right, bool raise) {
  ArgReader r(a, name, {"sub"});
  const Value& sub = r.required(0);
  if (!sub.is_string()) throw JinjaError(std::string(name) + "() argument must be str");
  const size_t hit = from_right ? s.rfind(sub.as_string()) : s.find(sub.as_string());
  if (hit == std::string::npos) {
    if (raise) throw JinjaError("substring not found");
    return Value(int64_t(-1));
  }
  return Value(int64_t(utf8_length(s.substr(0, hit))));
}
Value m_find(const std::string& s, Args& a) {
  return find_method(s, a, "find", false, false);
}
Value m_rfind(const std::string& s, Args& a) {
  return find_method(s, a, "rfind", true, false);
}
Value m_index(const std::string& s, Args& a) {
  return find_method(s, a, "index", false, true);
}
Value m_rindex(const std::string& s, Args& a) {
  return find_method(s, a, "rindex", true, true);
}

Value m_count(const std::string& s, Args& a) {
  ArgReader r(a, "count", {"sub"});
  const std::string sub = r.string_or(0, "");
  if (sub.empty()) return Value(int64_t(utf8_length(s) + 1));
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return Value(n);
}

// str.join: separator and items keep their data ranges.
Value m_join(const Value& sep, Args& a) {
  ArgReader r(a, "join", {"iterable"});
  const std::vector<Value> items = iterate(r.required(0));
  for (size_t i = 0; i < items.size(); ++i)
    if (!items[i].is_string())
      throw JinjaError("sequence item " + std::to_string(i) + ": expected str instance, " +
                       items[i].type_name() + " found");
  return join_strings(items, sep);
}

Value m_splitlines(const std::string& s, Args& a) {
  ArgReader r(a, "splitlines", {"keepends"});
  const bool keep = r.bool_or(0, false);
  std::vector<std::string> parts;
  std::string line;
  const std::vector<std::string> cs = utf8_chars(s);
  for (size_t i = 0; i < cs.size(); ++i) {
    const std::string& c = cs[i];
    const bool brk = c == "\n" || c == "\r" || c == "\v" || c == "\f" || c == "\x1c" ||
                     c == "\x1d" || c == "\x1e" || c == "\u0085" || c == "\u2028" || c == "\u2029";
    if (!brk) {
      line += c;
      continue;
    }
    std::string end = c;
    if (c == "\r" && i + 1 < cs.size() && cs[i + 1] == "\n") end += cs[++i];
    parts.push_back(keep ? line + end : line);
    line.clear();
  }
  if (!line.empty()) parts.push_back(line);
  return str_list(std::move(parts));
}

// isdigit / isalpha / isalnum / isspace / isupper / islower (ASCII letters and digits).
template <int kKind>
Value m_is(const std::string& s, Args& a) {
  ArgReader(a, "is...", {});
  if (s.empty()) return Value(false);
  if (kKind == 3) {
    for (const std::string& c : utf8_chars(s))
      if (!is_py_space(c)) return Value(false);
    return Value(true);
  }
  if (kKind >= 4) {
    const std::string other = kKind == 4 ? ascii_lower(s) : ascii_upper(s);
    return Value((kKind == 4 ? ascii_upper(s) : ascii_lower(s)) == s && other != s);
  }
  for (const char c : s) {
    const bool digit = c >= '0' && c <= '9';
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!(kKind == 0 ? digit : kKind == 1 ? alpha : digit || alpha)) return Value(false);
  }
  return Value(true);
}

// Methods that keep the data ranges of the pieces they return.
const std::map<std::string, RangedMethod>& ranged_string_methods() {
  static const std::map<std::string, RangedMethod> table = {
      {"split", m_split},   {"rsplit", m_rsplit}, {"strip", m_strip},
      {"lstrip", m_lstrip}, {"rstrip", m_rstrip}, {"join", m_join},
  };
  return table;
}

// The other methods: results all data when self or an argument holds data.
const std::map<std::string, Method>& string_methods() {
  static const std::map<std::string, Method> table = {
      {"startswith", m_startswith},
      {"endswith", m_endswith},
      {"lower", m_lower},
      {"upper", m_upper},
      {"title", m_title},
      {"capitalize", m_capitalize},
      {"replace", m_replace},
      {"find", m_find},
      {"rfind", m_rfind},
      {"index", m_index},
      {"rindex", m_rindex},
      {"count", m_count},
      {"splitlines", m_splitlines},
      {"isdigit", m_is<0>},
      {"isalpha", m_is<1>},
      {"isalnum", m_is<2>},
      {"isspace", m_is<3>},
      {"isupper", m_is<4>},
      {"islower", m_is<5>},
  };
  return table;
}

// dict.get / items / keys / values: values keep their own ranges; keys are data when they
// came from data.
Value dict_method(const Value& d, const std::string& name) {
  return Value::function(name, [d, name](Args& a) -> Value {
    if (name == "get") {
      ArgReader r(a, "get", {"key", "default"});
      const Value& key = r.required(0);
      const Value* v = key.is_string() ? d.find(key.as_string()) : nullptr;
      return v ? *v : r.value_or(1, Value::none());
    }
    ArgReader(a, name, {});
    List out;
    for (const auto& [k, v] : d.as_dict()) {
      Value key = d.has_data_keys() ? Value::all_data(k) : Value(k);
      if (name == "keys")
        out.push_back(std::move(key));
      else if (name == "values")
        out.push_back(v);
      else
        out.push_back(Value::list({std::move(key), v}, true));
    }
    return Value::list(std::move(out));
  }, true);
}

bool is_mutator(const Value& obj, const std::string& name) {
  static const char* const list_mut[] = {"append", "extend", "insert", "pop",
                                         "remove", "clear",  "sort",   "reverse"};
  static const char* const dict_mut[] = {"pop", "popitem", "setdefault", "update", "clear"};
  if (obj.kind() == K::List)
    return std::any_of(std::begin(list_mut), std::end(list_mut),
                       [&](const char* m) { return name == m; });
  if (obj.kind() == K::Dict)
    return std::any_of(std::begin(dict_mut), std::end(dict_mut),
                       [&](const char* m) { return name == m; });
  return false;
}

Value g_range(Args& a) {
  ArgReader r(a, "range", {"start", "stop", "step"});
  int64_t start = 0, stop = r.int_or(0, 0), step = 1;
  if (r.get(1)) start = stop, stop = r.int_or(1, 0), step = r.int_or(2, 1);
  if (step == 0) throw JinjaError("range() arg 3 must not be zero");
  // Exact item count in unsigned arithmetic: start, stop and step may be any int64.
  uint64_t count = 0;
  if (step > 0 && start < stop)
    count = (uint64_t(stop) - uint64_t(start) - 1) / uint64_t(step) + 1;
  else if (step < 0 && start > stop)
    count = (uint64_t(start) - uint64_t(stop) - 1) / (uint64_t(-(step + 1)) + 1) + 1;
  if (count > 100000)
    throw JinjaError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  List out;
  for (uint64_t k = 0; k < count; ++k)
    out.emplace_back(int64_t(uint64_t(start) + k * uint64_t(step)));
  return Value::list(std::move(out));
}

Dict keyword_dict(const Args& a, const char* fn) {
  if (a.positional.size() > 1 || (a.positional.size() == 1 && a.positional[0].kind() != K::Dict))
    throw JinjaError(std::string(fn) + "() takes keyword arguments or one dict");
  Dict d = a.positional.empty() ? Dict{} : a.positional[0].as_dict();
  for (const auto& arg : a.keyword) {
    const std::string& key = arg.first;
    auto it = std::find_if(d.begin(), d.end(), [&](const auto& kv) { return kv.first == key; });
    if (it != d.end())
      it->second = arg.second;
    else
      d.emplace_back(key, arg.second);
  }
  return d;
}

bool positional_data_keys(const Args& a) {
  return !a.positional.empty() && a.positional[0].has_data_keys();
}

Value g_namespace(Args& a) {
  return Value::make_namespace(keyword_dict(a, "namespace"), positional_data_keys(a));
}
Value g_dict(Args& a) {
  return Value::dict(keyword_dict(a, "dict"), positional_data_keys(a));
}

Value g_raise_exception(Args& a) {
  ArgReader r(a, "raise_exception", {"message"});
  throw TemplateRaised(to_str(r.required(0)));
}

Value g_strftime_now(Args& a) {
  ArgReader r(a, "strftime_now", {"format"});
  const std::string fmt = r.string_or(0, "");
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[512];
  const size_t n = std::strftime(buf, sizeof buf, fmt.c_str(), &tm);
  return Value(std::string(buf, n));
}

}  // namespace

std::optional<Value> method(const Value& obj, const std::string& name) {
  if (obj.is_string()) {
    if (auto it = ranged_string_methods().find(name); it != ranged_string_methods().end()) {
      const RangedMethod fn = it->second;
      return Value::function(name, [obj, fn](Args& a) { return fn(obj, a); }, true);
    }
    const auto& table = string_methods();
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    const Method fn = it->second;
    return Value::function(
        name,
        [obj, fn](Args& a) {
          Value result = fn(obj.as_string(), a);
          return obj.has_data() || args_have_data(a) ? taint_all(result) : result;
        },
        true);
  }
  if (is_mutator(obj, name))
    throw JinjaError("access to attribute '" + name + "' of '" + obj.type_name() +
                     "' object is unsafe.");
  if (obj.kind() == K::Dict &&
      (name == "items" || name == "keys" || name == "values" || name == "get"))
    return dict_method(obj, name);
  return std::nullopt;
}

const Dict& global_functions() {
  static const Dict globals = {
      {"range", Value::function("range", g_range, true)},
      {"namespace", Value::function("namespace", g_namespace, true)},
      {"dict", Value::function("dict", g_dict, true)},
      {"raise_exception", Value::function("raise_exception", g_raise_exception, true)},
      {"strftime_now", Value::function("strftime_now", g_strftime_now)},
  };
  return globals;
}

}  // namespace r1::jinja
