// Walks a JSON Schema and emits grammar rules: one rule per subschema, objects as chains of
// optional or required members, arrays as bounded repetitions, enums as literal alternatives.
#include "infer/json_schema_grammar.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "infer/json_grammar_rules.h"

namespace r1 {

namespace {

using Seq = GrammarBuilder::Seq;

constexpr int64_t kMaxCount = 10000;            // minItems, maxItems, minLength, maxLength
constexpr size_t kMaxGrammarElems = 4'000'000;  // a schema bigger than this is refused

const std::set<std::string>& annotations() {
  static const std::set<std::string> names = {
      "title",   "description", "$schema",  "$id",       "$comment",    "default",
      "examples", "deprecated", "readOnly", "writeOnly", "$defs",       "definitions"};
  return names;
}

const std::set<std::string>& supported() {
  static const std::set<std::string> names = {
      "type",     "properties", "required", "additionalProperties", "items", "minItems",
      "maxItems", "minLength",  "maxLength", "enum",                "const", "anyOf",
      "oneOf",    "$ref"};
  return names;
}

std::string pointer_escape(const std::string& name) {
  std::string out;
  for (char c : name) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::string where(const std::string& path) { return "#" + path; }

[[noreturn]] void refuse(const std::string& keyword, const std::string& path,
                         const std::string& why) {
  throw SchemaError(keyword, path, "JSON Schema keyword '" + keyword + "' at " + where(path) +
                                       ": " + why);
}

bool has_type(const OrderedJson& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer")
    return v.is_number_integer() ||
           (v.is_number_float() && std::isfinite(v.get<double>()) &&
            std::trunc(v.get<double>()) == v.get<double>());
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "object") return v.is_object();
  return v.is_array();
}

class SchemaCompiler {
 public:
  SchemaCompiler(const OrderedJson& root, GrammarBuilder& b, JsonRules& json)
      : root_(root), b_(b), json_(json) {}

  int compile(const OrderedJson& s, const std::string& path);

 private:
  int compile_type(const OrderedJson& s, const std::string& type, const std::string& path);
  struct Property {
    std::string name;
    int value;
    bool required;
  };
  int object_rule(const OrderedJson& s, const std::string& path);
  // The object of these properties in order (optional ones skippable), then further members
  // whose values follow rule `extra` (-1: none).
  int members_rule(const std::vector<Property>& props, int extra);
  int array_rule(const OrderedJson& s, const std::string& path);
  int string_rule(const OrderedJson& s, const std::string& path);
  int literals(const std::vector<OrderedJson>& values);
  int resolve_ref(const std::string& ref, const std::string& path);
  int64_t count(const OrderedJson& s, const char* keyword, const std::string& path, int64_t dflt);

  const OrderedJson& root_;
  GrammarBuilder& b_;
  JsonRules& json_;
  std::map<std::string, int> refs_;
};

int64_t SchemaCompiler::count(const OrderedJson& s, const char* keyword, const std::string& path,
                              int64_t dflt) {
  const auto it = s.find(keyword);
  if (it == s.end()) return dflt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    refuse(keyword, path, "must be a non-negative integer");
  if (it->get<int64_t>() > kMaxCount)
    refuse(keyword, path, "values above " + std::to_string(kMaxCount) + " are not supported");
  return it->get<int64_t>();
}

// The values' JSON texts as a byte trie, one rule per node, so that a long enum stays one
// parse (no alternatives alive side by side).
int SchemaCompiler::literals(const std::vector<OrderedJson>& values) {
  std::vector<std::string> texts;
  for (const OrderedJson& v : values) texts.push_back(v.dump());
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  // The node of texts[first, last) that share their first `depth` bytes.
  auto node = [&](auto& self, size_t first, size_t last, size_t depth) -> int {
    const int rule = b_.new_rule();
    for (size_t i = first; i < last;) {
      if (texts[i].size() == depth) {
        b_.add_alt(rule, {});
        ++i;
        continue;
      }
      const char c = texts[i][depth];
      size_t j = i;
      while (j < last && texts[j].size() > depth && texts[j][depth] == c) ++j;
      b_.add_alt(rule, {b_.literal(std::string(1, c))[0],
                        GrammarBuilder::ref(self(self, i, j, depth + 1))});
      i = j;
    }
    return rule;
  };
  return node(node, 0, texts.size(), 0);
}

int SchemaCompiler::resolve_ref(const std::string& ref, const std::string& path) {
  if (auto it = refs_.find(ref); it != refs_.end()) return it->second;
  if (ref.empty() || ref[0] != '#') refuse("$ref", path, "only local references (#/...) work");
  const OrderedJson* target = &root_;
  std::string rest = ref.substr(1);
  while (!rest.empty()) {
    if (rest[0] != '/') refuse("$ref", path, "'" + ref + "' is not a JSON pointer");
    const size_t next = rest.find('/', 1);
    const std::string raw = rest.substr(1, next == std::string::npos ? std::string::npos : next - 1);
    rest = next == std::string::npos ? "" : rest.substr(next);
    std::string token;  // ~1 is '/', ~0 is '~'
    for (size_t i = 0; i < raw.size(); ++i) {
      const bool escape = raw[i] == '~' && i + 1 < raw.size();
      token += escape && raw[i + 1] == '1' ? '/' : raw[i];
      i += escape;
    }
    if (!target->is_object() || !target->contains(token))
      refuse("$ref", path, "'" + ref + "' points to nothing");
    target = &(*target)[token];
  }
  const int rule = b_.new_rule();  // registered before compiling, so recursion finds it
  refs_[ref] = rule;
  b_.add_alt(rule, {GrammarBuilder::ref(compile(*target, ref.substr(1)))});
  return rule;
}

int SchemaCompiler::compile(const OrderedJson& s, const std::string& path) {
  if (b_.size() > kMaxGrammarElems) refuse("properties", path, "the schema is too large to compile");
  if (s.is_boolean()) {
    if (!s.get<bool>()) refuse("false", path, "the schema false accepts nothing");
    return json_.any_value();
  }
  if (!s.is_object()) refuse("type", path, "a schema must be an object or a boolean");
  for (const auto& [key, value] : s.items())
    if (!supported().count(key) && !annotations().count(key))
      refuse(key, path, "is not supported by structured output");
  std::vector<std::string> constraining;
  for (const auto& [key, value] : s.items())
    if (supported().count(key)) constraining.push_back(key);
  for (const char* combinator : {"$ref", "anyOf", "oneOf"}) {
    if (!s.contains(combinator)) continue;
    if (constraining.size() > 1)
      refuse(combinator, path, "cannot be combined with other keywords here");
    if (std::string(combinator) == "$ref") {
      if (!s["$ref"].is_string()) refuse("$ref", path, "must be a string");
      return resolve_ref(s["$ref"].get<std::string>(), path);
    }
    const OrderedJson& alts = s[combinator];
    if (!alts.is_array() || alts.empty()) refuse(combinator, path, "must be a non-empty array");
    const int rule = b_.new_rule();
    for (size_t i = 0; i < alts.size(); ++i)
      b_.add_alt(rule, {GrammarBuilder::ref(compile(
                           alts[i], path + "/" + combinator + "/" + std::to_string(i)))});
    return rule;
  }

  std::vector<std::string> types;
  if (const auto it = s.find("type"); it != s.end()) {
    const OrderedJson list = it->is_array() ? *it : OrderedJson::array({*it});
    static const std::set<std::string> known = {"object", "array",   "string", "number",
                                                "integer", "boolean", "null"};
    for (const OrderedJson& t : list) {
      if (!t.is_string() || !known.count(t.get<std::string>()))
        refuse("type", path, "unknown type " + t.dump());
      types.push_back(t.get<std::string>());
    }
    if (types.empty()) refuse("type", path, "an empty list of types accepts nothing");
  }
  if (s.contains("enum") || s.contains("const")) {
    const char* keyword = s.contains("const") ? "const" : "enum";
    std::vector<OrderedJson> values;
    if (s.contains("const")) {
      values.push_back(s["const"]);
    } else {
      if (!s["enum"].is_array()) refuse("enum", path, "must be an array");
      values.assign(s["enum"].begin(), s["enum"].end());
    }
    std::erase_if(values, [&](const OrderedJson& v) {
      return !types.empty() && std::none_of(types.begin(), types.end(), [&](const std::string& t) {
        return has_type(v, t);
      });
    });
    if (values.empty()) refuse(keyword, path, "no value is allowed (of the schema's type)");
    return literals(values);
  }
  if (types.empty()) {
    // Without a type, the keywords say what the value is; with none, it is any JSON value.
    if (s.contains("properties") || s.contains("required") || s.contains("additionalProperties"))
      types.push_back("object");
    else if (s.contains("items") || s.contains("minItems") || s.contains("maxItems"))
      types.push_back("array");
    else if (s.contains("minLength") || s.contains("maxLength"))
      types.push_back("string");
    else
      return json_.any_value();
  }
  if (types.size() == 1) return compile_type(s, types[0], path);
  const int rule = b_.new_rule();
  for (const std::string& t : types) b_.add_alt(rule, {GrammarBuilder::ref(compile_type(s, t, path))});
  return rule;
}

int SchemaCompiler::compile_type(const OrderedJson& s, const std::string& type,
                                 const std::string& path) {
  if (type == "object") return object_rule(s, path);
  if (type == "array") return array_rule(s, path);
  if (type == "string") return string_rule(s, path);
  if (type == "integer") return json_.integer();
  if (type == "number") return json_.number();
  const int rule = b_.new_rule();
  if (type == "boolean") {
    b_.add_alt(rule, b_.literal("true"));
    b_.add_alt(rule, b_.literal("false"));
  } else {
    b_.add_alt(rule, b_.literal("null"));
  }
  return rule;
}

int SchemaCompiler::string_rule(const OrderedJson& s, const std::string& path) {
  const int64_t lo = count(s, "minLength", path, 0), hi = count(s, "maxLength", path, -1);
  if (hi >= 0 && hi < lo) refuse("maxLength", path, "is below minLength");
  return json_.string(lo, hi);
}

int SchemaCompiler::array_rule(const OrderedJson& s, const std::string& path) {
  const int64_t lo = count(s, "minItems", path, 0), hi = count(s, "maxItems", path, -1);
  if (hi >= 0 && hi < lo) refuse("maxItems", path, "is below minItems");
  const int item = s.contains("items") ? compile(s["items"], path + "/items") : json_.any_value();
  const GrammarElem open = b_.literal("[")[0], close = b_.literal("]")[0];
  const GrammarElem ws = GrammarBuilder::ref(json_.ws());
  const int rule = b_.new_rule();
  if (lo == 0) b_.add_alt(rule, {open, ws, close});
  if (hi != 0) {
    Seq more = json_.sep();
    more.push_back(GrammarBuilder::ref(item));
    const int rest = b_.repeat(more, std::max<int64_t>(lo - 1, 0), hi < 0 ? -1 : hi - 1);
    b_.add_alt(rule, {open, ws, GrammarBuilder::ref(item), GrammarBuilder::ref(rest), ws, close});
  }
  return rule;
}

int SchemaCompiler::object_rule(const OrderedJson& s, const std::string& path) {
  std::vector<Property> props;
  if (const auto it = s.find("properties"); it != s.end()) {
    if (!it->is_object()) refuse("properties", path, "must be an object");
    for (const auto& [name, sub] : it->items())
      props.push_back({name, compile(sub, path + "/properties/" + pointer_escape(name)), false});
  }
  // Extra keys: none, any value, or values of a schema (-1: none).
  const auto extra_it = s.find("additionalProperties");
  int extra = -1;
  if (extra_it == s.end()) {
    if (props.empty() && !s.contains("required")) extra = json_.any_value();
  } else if (extra_it->is_boolean()) {
    if (extra_it->get<bool>()) extra = json_.any_value();
  } else {
    extra = compile(*extra_it, path + "/additionalProperties");
  }
  if (const auto it = s.find("required"); it != s.end()) {
    if (!it->is_array()) refuse("required", path, "must be an array of strings");
    for (const OrderedJson& name : *it) {
      if (!name.is_string()) refuse("required", path, "must be an array of strings");
      const auto p = std::find_if(props.begin(), props.end(),
                                  [&](const Property& q) { return q.name == name; });
      if (p != props.end()) {
        p->required = true;
      } else {
        if (extra < 0 && extra_it != s.end())
          refuse("required", path, "property " + name.dump() + " is not allowed");
        props.push_back({name.get<std::string>(), extra < 0 ? json_.any_value() : extra, true});
      }
    }
  }
  if (extra_it == s.end() && !props.empty()) extra = -1;  // declared keys only (see header)
  return members_rule(props, extra);
}

int SchemaCompiler::members_rule(const std::vector<Property>& props, int extra) {
  std::vector<Seq> members;
  for (const Property& p : props) members.push_back(json_.member(OrderedJson(p.name).dump(), p.value));
  Seq extra_member;
  if (extra >= 0) {
    std::vector<std::string> names;
    for (const Property& p : props) names.push_back(p.name);
    const int key = props.empty() ? json_.string() : json_.key_excluding(names);
    extra_member = {GrammarBuilder::ref(key)};
    const Seq tail = json_.member_tail(extra);
    extra_member.insert(extra_member.end(), tail.begin(), tail.end());
  }
  // after[i]: members i.. once one was written (each behind a comma; may be empty).
  // first[i]: members i.. before any was written, at least one (-1 when none can be).
  const size_t n = props.size();
  std::vector<int> after(n + 1), first(n + 1, -1);
  after[n] = b_.new_rule();
  if (extra >= 0) {
    Seq more = json_.sep();
    more.insert(more.end(), extra_member.begin(), extra_member.end());
    const int extras = b_.repeat(more, 0, -1);
    b_.add_alt(after[n], {GrammarBuilder::ref(extras)});
    first[n] = b_.new_rule();
    Seq one = extra_member;
    one.push_back(GrammarBuilder::ref(extras));
    b_.add_alt(first[n], std::move(one));
  } else {
    b_.add_alt(after[n], {});
  }
  for (size_t i = n; i-- > 0;) {
    after[i] = b_.new_rule();
    Seq with = json_.sep();
    with.insert(with.end(), members[i].begin(), members[i].end());
    with.push_back(GrammarBuilder::ref(after[i + 1]));
    b_.add_alt(after[i], std::move(with));
    if (!props[i].required) b_.add_alt(after[i], {GrammarBuilder::ref(after[i + 1])});
    first[i] = b_.new_rule();
    Seq start = members[i];
    start.push_back(GrammarBuilder::ref(after[i + 1]));
    b_.add_alt(first[i], std::move(start));
    if (!props[i].required && first[i + 1] >= 0)
      b_.add_alt(first[i], {GrammarBuilder::ref(first[i + 1])});
  }
  const bool any_required =
      std::any_of(props.begin(), props.end(), [](const Property& p) { return p.required; });
  const GrammarElem open = b_.literal("{")[0], close = b_.literal("}")[0];
  const GrammarElem ws = GrammarBuilder::ref(json_.ws());
  const int rule = b_.new_rule();
  if (!any_required) b_.add_alt(rule, {open, ws, close});
  if (first[0] >= 0) b_.add_alt(rule, {open, ws, GrammarBuilder::ref(first[0]), ws, close});
  return rule;
}

}  // namespace

int json_schema_rule(const OrderedJson& schema, GrammarBuilder& b, JsonRules& json) {
  SchemaCompiler c(schema, b, json);
  const int value = c.compile(schema, "");
  if (b.size() > kMaxGrammarElems) refuse("properties", "", "the schema is too large to compile");
  const int rule = b.new_rule();
  b.add_alt(rule, {GrammarBuilder::ref(json.ws()), GrammarBuilder::ref(value)});
  return rule;
}

std::shared_ptr<const ByteGrammar> build_schema_grammar(const GrammarBuilder& b, int root) {
  try {
    return std::make_shared<const ByteGrammar>(b.build(root));
  } catch (const GrammarTooAmbiguous& e) {
    refuse("anyOf", "", std::string("the schema is too ambiguous: ") + e.what());
  } catch (const Error& e) {
    refuse("$ref", "", std::string("the schema cannot be compiled: ") + e.what());
  }
}

std::shared_ptr<const ByteGrammar> json_schema_grammar(const OrderedJson& schema) {
  GrammarBuilder b;
  JsonRules json(b);
  return build_schema_grammar(b, json_schema_rule(schema, b, json));
}

std::shared_ptr<const ByteGrammar> json_object_grammar() {
  GrammarBuilder b;
  JsonRules json(b);
  const int root = b.new_rule();
  b.add_alt(root, {GrammarBuilder::ref(json.ws()), GrammarBuilder::ref(json.any_object())});
  return build_schema_grammar(b, root);
}

}  // namespace r1
