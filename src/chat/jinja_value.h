// Values of the Jinja-subset interpreter: Python-like data (None, bool, int, float, str, list,
// tuple, dict, namespace, function, undefined) with Python's printing, equality and JSON rules.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"

namespace r1 {

// JSON that keeps object keys in document order: a chat template prints tool schemas with
// tojson, and transformers (Python dicts) keeps the order the request gave.
using OrderedJson = nlohmann::ordered_json;

namespace jinja {

// A template failed while rendering: Jinja would raise too (undefined value, type error) or
// the template called raise_exception(). The message names the template and the position.
class RenderError : public FormatError {
 public:
  using FormatError::FormatError;
};

// Lists and dicts nested deeper than this are refused (JinjaError).
constexpr int kMaxValueDepth = 256;

// [begin, end) byte ranges of a string that came from data (the caller's messages, tools and
// arguments) rather than from the template: sorted, disjoint, non-empty.
using ByteRanges = std::vector<std::pair<size_t, size_t>>;

class Value;
using List = std::vector<Value>;
using Dict = std::vector<std::pair<std::string, Value>>;  // insertion order, unique keys
struct Args {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};
// Builtin functions, filters and methods report failures by throwing JinjaError.
using Function = std::function<Value(Args&)>;

// A failure inside an operation or builtin, without position; the evaluator rethrows it as a
// RenderError naming the template, line and column.
class JinjaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// namespace(): the one mutable object templates have ({% set ns.x = ... %} inside loops).
struct Namespace {
  Dict attrs;
  bool data_keys = false;  // made from a dict whose keys came from data
};

// Namespaces are the only mutable objects, so every reference cycle ({% set ns.me = ns %})
// goes through one. While an arena is alive on this thread it records the namespaces created;
// its destructor empties them, which frees any cycles. The renderer holds one per render.
class NamespaceArena {
 public:
  NamespaceArena();
  ~NamespaceArena();
  NamespaceArena(const NamespaceArena&) = delete;
  NamespaceArena& operator=(const NamespaceArena&) = delete;
  void add(const std::shared_ptr<Namespace>& ns) { created_.push_back(ns); }
  static NamespaceArena* current();

 private:
  std::vector<std::weak_ptr<Namespace>> created_;
  NamespaceArena* previous_;
};

struct Undefined {
  std::string hint;  // Jinja's message when it is used: "'x' is undefined"
};

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Function };

  Value() : v_(Undefined{}) {}
  static Value undefined(std::string hint) { return Value(Variant(Undefined{std::move(hint)})); }
  static Value none() { return Value(Variant(nullptr)); }
  Value(bool b) : v_(b) {}
  Value(int64_t i) : v_(i) {}
  Value(int i) : v_(int64_t(i)) {}
  Value(double d) : v_(d) {}
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}
  // A string whose bytes in `data` came from data (normalized: empty ranges give a clean
  // string); all_data: every byte did.
  static Value with_data(std::string s, ByteRanges data);
  static Value all_data(std::string s);
  static Value list(List items, bool tuple = false);
  // data_keys: the keys came from data (a JSON object of the caller's).
  static Value dict(Dict items, bool data_keys = false);
  static Value make_namespace(Dict attrs, bool data_keys = false);
  // sets_provenance: the function gives its results their data ranges itself; otherwise a
  // call with data in any argument makes every string it returns all data.
  static Value function(std::string name, Function fn, bool sets_provenance = false);
  // is_data: every string (and object key) in j came from data.
  static Value from_json(const OrderedJson& j, bool is_data = false);

  Kind kind() const { return Kind(v_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_number() const;  // int, float or bool (Python's bool is an int)
  bool is_tuple() const { return kind() == Kind::List && list_ptr()->tuple; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const;    // int or bool
  double as_double() const;  // any number
  const std::string& as_string() const { return std::get<Str>(v_).text; }
  const List& as_list() const { return list_ptr()->items; }
  const Dict& as_dict() const { return std::get<std::shared_ptr<const DictBox>>(v_)->items; }
  Namespace& as_namespace() const { return *std::get<std::shared_ptr<Namespace>>(v_); }
  const Function& as_function() const { return std::get<std::shared_ptr<FunctionBox>>(v_)->fn; }
  const std::string& undefined_hint() const { return std::get<Undefined>(v_).hint; }
  bool function_sets_provenance() const {
    return std::get<std::shared_ptr<FunctionBox>>(v_)->sets_provenance;
  }

  // The data ranges of a string (empty for a clean string and for anything else).
  const ByteRanges& data_ranges() const;
  // Whether any byte of this value, or of any string or dict key inside it, came from data.
  // Cheap: lists and dicts remember it; a namespace counts as data when any attribute holds
  // data or is itself a namespace (they may form cycles).
  bool has_data() const;
  // A dict whose keys came from data.
  bool has_data_keys() const;

  // Python's bool(): false for undefined, None, 0, "", empty containers.
  bool truthy() const;
  // Python's type name, for error messages ("str", "NoneType", "dict", ...).
  const char* type_name() const;
  // A dict entry or namespace attribute, or nullptr.
  const Value* find(const std::string& key) const;
  // Nesting of lists and dicts (0 for anything else); bounded by kMaxValueDepth so that
  // printing, comparing and freeing values never recurse without limit.
  int depth() const;

 private:
  struct Str {
    std::string text;
    std::shared_ptr<const ByteRanges> data;  // null: no byte came from data
  };
  struct ListBox {
    List items;
    bool tuple;
    int depth;
    bool has_data;
  };
  struct DictBox {
    Dict items;
    int depth;
    bool has_data;
    bool data_keys;
  };
  struct FunctionBox {
    std::string name;
    Function fn;
    bool sets_provenance;
  };
  using Variant = std::variant<Undefined, std::nullptr_t, bool, int64_t, double, Str,
                               std::shared_ptr<const ListBox>, std::shared_ptr<const DictBox>,
                               std::shared_ptr<Namespace>, std::shared_ptr<FunctionBox>>;
  explicit Value(Variant v) : v_(std::move(v)) {}
  const ListBox* list_ptr() const { return std::get<std::shared_ptr<const ListBox>>(v_).get(); }
  Variant v_;
};

// What copying v costs in memory: sizeof(Value) plus a string's bytes (lists, dicts and
// namespaces are shared, not copied). The render budget charges list elements by it.
size_t copy_bytes(const Value& v);
size_t copy_bytes(const List& items);

// Every string in v (inside lists and dicts too, dict keys included) made all data.
Value taint_all(const Value& v);
// to_str(v) as a string value: a string keeps its data ranges; anything else is all data when
// it holds any data.
Value to_str_value(const Value& v);

// Python str(): strings as they are, None -> "None", True -> "True", floats as repr(), lists
// and dicts as repr(); undefined prints as "".
std::string to_str(const Value& v);
// Python repr() (strings quoted).
std::string repr(const Value& v);
// Python float repr: shortest round-trip digits, "1.0", "1e-05", "1e+16", "inf", "nan".
std::string float_repr(double d);

struct JsonStyle {
  int indent = -1;  // < 0: one line
  std::string item_sep = ", ", key_sep = ": ";
  bool sort_keys = false;
};
// json.dumps(v, ensure_ascii=False, ...) as transformers' tojson filter calls it.
std::string to_json(const Value& v, const JsonStyle& style = {});

// Python ==.
bool equals(const Value& a, const Value& b);

// Code points of UTF-8 text (invalid bytes count as one each, and stay as they are).
std::vector<std::string> utf8_chars(const std::string& s);
size_t utf8_length(const std::string& s);
// Python's str.isspace() for one code point given as UTF-8.
bool is_py_space(std::string_view ch);

}  // namespace jinja
}  // namespace r1
