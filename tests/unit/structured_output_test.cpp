// Structured output end to end on a random-weight model: over 420 (schema, seed) pairs of
// generated schemas (nesting, enums, arrays with bounds, required and optional properties,
// every type, anyOf/oneOf, $ref) every reply parses as JSON and validates against its schema
// (a validator of the supported subset below), within max_tokens; after an open <think> the
// reasoning is free and the document follows it; a budget too short ends at "length".
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "checkpoint/model_dir.h"
#include "infer/generator.h"
#include "infer/json_schema_grammar.h"
#include "serve_test_util.h"

namespace r1 {
namespace {

using Rng = std::mt19937_64;

size_t pick(Rng& rng, size_t n) { return size_t(rng() % n); }

const std::vector<OrderedJson>& literal_pool() {
  static const std::vector<OrderedJson> pool = {
      "red", "q\"uote", "back\\slash", "\u00FCber", "tab\there", "", 0, -7, 42, 2.5, -0.125,
      true, false, nullptr, OrderedJson::parse(R"({"k": [1, "x"]})"), OrderedJson::parse("[1, 2]")};
  return pool;
}

OrderedJson random_schema(Rng& rng, int depth);

OrderedJson random_object(Rng& rng, int depth) {
  static const char* names[] = {"id", "name", "a", "b", "x y", "tags", "\u00FCber", "q\"t",
                                "n\\m", "value", "k1", "items"};
  OrderedJson props = OrderedJson::object();
  OrderedJson required = OrderedJson::array();
  const size_t n = pick(rng, 5);
  for (size_t i = 0; i < n; ++i) {
    const std::string name = names[pick(rng, std::size(names))];
    if (props.contains(name)) continue;
    props[name] = random_schema(rng, depth + 1);
    if (rng() % 2) required.push_back(name);
  }
  OrderedJson s = {{"type", "object"}, {"properties", props}, {"required", required}};
  switch (pick(rng, 5)) {
    case 0: s["additionalProperties"] = false; break;
    case 1: s["additionalProperties"] = true; break;
    case 2: s["additionalProperties"] = {{"type", "integer"}}; break;
    default: break;  // absent
  }
  if (rng() % 6 == 0) {  // required names only, with the additional schema's values
    s.erase("properties");
    if (s.value("additionalProperties", OrderedJson()) == false) s.erase("additionalProperties");
  }
  return s;
}

OrderedJson random_scalar(Rng& rng) {
  switch (pick(rng, 10)) {
    case 0: return {{"type", "string"}};
    case 1: return {{"type", "string"}, {"minLength", 1}, {"maxLength", 1 + int(pick(rng, 4))}};
    case 2: return {{"type", "number"}};
    case 3: return {{"type", "integer"}};
    case 4: return {{"type", "boolean"}};
    case 5: return {{"type", "null"}};
    case 6: return {{"type", OrderedJson::array({"string", "null"})}};
    case 7: return {{"const", literal_pool()[pick(rng, literal_pool().size())]}};
    default: {
      OrderedJson values = OrderedJson::array();
      for (size_t i = 0, n = 1 + pick(rng, 4); i < n; ++i)
        values.push_back(literal_pool()[pick(rng, literal_pool().size())]);
      return {{"enum", values}};
    }
  }
}

OrderedJson random_schema(Rng& rng, int depth) {
  const size_t kind = depth >= 3 ? 9 : pick(rng, 12);
  if (kind < 3) return random_object(rng, depth);
  if (kind < 5) {
    OrderedJson s = {{"type", "array"}};
    if (rng() % 4) s["items"] = random_schema(rng, depth + 1);
    const int lo = int(pick(rng, 3));
    if (rng() % 2) s["minItems"] = lo;
    if (rng() % 2) s["maxItems"] = lo + int(pick(rng, 3));
    return s;
  }
  if (kind == 5)  // disjoint alternatives, so oneOf holds as well as anyOf
    return {{rng() % 2 ? "anyOf" : "oneOf",
             OrderedJson::array({{{"type", "integer"}}, random_object(rng, depth + 1)})}};
  return random_scalar(rng);
}

// A validator of the supported subset (JSON Schema semantics).
class Validator {
 public:
  explicit Validator(const OrderedJson& root) : root_(root) {}

  bool valid(const Json& v, const OrderedJson& s) const {
    if (s.is_boolean()) return s.get<bool>();
    if (s.contains("$ref")) return valid(v, root_.at(OrderedJson::json_pointer(
                                                s["$ref"].get<std::string>().substr(1))));
    if (s.contains("anyOf")) {
      for (const OrderedJson& alt : s["anyOf"])
        if (valid(v, alt)) return true;
      return false;
    }
    if (s.contains("oneOf")) {
      int matches = 0;
      for (const OrderedJson& alt : s["oneOf"]) matches += valid(v, alt);
      return matches == 1;
    }
    if (s.contains("const") && v != as_json(s["const"])) return false;
    if (s.contains("enum")) {
      bool found = false;
      for (const OrderedJson& e : s["enum"]) found = found || v == as_json(e);
      if (!found) return false;
    }
    if (s.contains("type")) {
      const OrderedJson types = s["type"].is_array() ? s["type"] : OrderedJson::array({s["type"]});
      bool ok = false;
      for (const OrderedJson& t : types) ok = ok || has_type(v, t.get<std::string>());
      if (!ok) return false;
    }
    if (v.is_object()) return valid_object(v, s);
    if (v.is_array()) {
      if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) return false;
      if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>()) return false;
      if (s.contains("items"))
        for (const Json& item : v)
          if (!valid(item, s["items"])) return false;
    }
    if (v.is_string()) {
      size_t chars = 0;
      for (unsigned char c : v.get<std::string>()) chars += (c & 0xC0) != 0x80;
      if (s.contains("minLength") && chars < s["minLength"].get<size_t>()) return false;
      if (s.contains("maxLength") && chars > s["maxLength"].get<size_t>()) return false;
    }
    return true;
  }

 private:
  static Json as_json(const OrderedJson& v) { return Json::parse(v.dump()); }

  static bool has_type(const Json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "number") return v.is_number();
    if (t == "integer")
      return v.is_number_integer() || (v.is_number_float() && v.get<double>() == std::trunc(v.get<double>()));
    if (t == "boolean") return v.is_boolean();
    return v.is_null();
  }

  bool valid_object(const Json& v, const OrderedJson& s) const {
    const OrderedJson props = s.value("properties", OrderedJson::object());
    if (s.contains("required"))
      for (const OrderedJson& name : s["required"])
        if (!v.contains(name.get<std::string>())) return false;
    for (const auto& [key, value] : v.items()) {
      if (props.contains(key)) {
        if (!valid(value, props[key])) return false;
      } else if (s.contains("additionalProperties") && !valid(value, s["additionalProperties"])) {
        return false;
      }
    }
    return true;
  }

  const OrderedJson& root_;
};

struct Fixture {
  ModelDir dir = ModelDir::open(test::serve_model_dir());
  std::unique_ptr<Model> model = dir.load_model();
  Generator generator{*model, dir.tokenizer(), dir.stop_ids()};
};

GenerationRequest structured_request(const Tokenizer& tok, const OrderedJson& schema,
                                     const std::string& prompt, uint64_t seed) {
  GenerationRequest r;
  r.prompt = tok.encode(prompt, false);
  r.structured = StructuredOutput{json_schema_grammar(schema), false};
  r.sampling.temperature = 1.0f;
  r.sampling.top_p = 1.0f;
  r.sampling.seed = seed;
  GrammarState start = GrammarState::initial(*r.structured->grammar);
  r.max_tokens = int64_t(start.min_rest(*r.structured->grammar)) + 40;
  return r;
}

TEST(StructuredOutput, RandomModelRepliesValidateOver420SchemasAndSeeds) {
  Fixture f;
  const Tokenizer& tok = *f.dir.tokenizer();
  Rng rng(2024);
  std::vector<OrderedJson> schemas;
  for (int i = 0; i < 208; ++i) schemas.push_back(i % 4 ? random_object(rng, 0) : random_schema(rng, 0));
  schemas.push_back(OrderedJson::parse(R"({"$ref": "#/$defs/node", "$defs": {"node": {
      "type": "object", "properties": {"v": {"type": "integer"},
      "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
      "required": ["v", "kids"], "additionalProperties": false}}})"));
  schemas.push_back(OrderedJson::object());
  std::vector<GenerationRequest> requests;
  for (size_t i = 0; i < schemas.size(); ++i)
    for (uint64_t seed : {1, 2}) requests.push_back(structured_request(tok, schemas[i], "JSON:", 100 * i + seed));
  const auto results = f.generator.generate_many(requests);
  size_t valid = 0, tokens = 0;
  for (size_t q = 0; q < requests.size(); ++q) {
    const Completion& c = results[q][0];
    const OrderedJson& schema = schemas[q / 2];
    tokens += c.tokens.size();
    EXPECT_EQ(c.finish_reason, "stop") << schema.dump() << "\n" << c.text;
    EXPECT_LE(int64_t(c.tokens.size()), requests[q].max_tokens);
    Json doc;
    try {
      doc = Json::parse(c.text);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON: " << e.what() << "\n" << schema.dump() << "\n" << c.text;
      continue;
    }
    const bool ok = Validator(schema).valid(doc, schema);
    EXPECT_TRUE(ok) << schema.dump() << "\n" << c.text;
    valid += ok;
  }
  EXPECT_EQ(valid, requests.size());
  EXPECT_GT(tokens, requests.size() * 4);  // not just the shortest documents
}

TEST(StructuredOutput, TheDocumentFollowsAnOpenReasoningBlock) {
  Fixture f;
  const Tokenizer& tok = *f.dir.tokenizer();
  const OrderedJson schema = OrderedJson::parse(R"({"type": "object", "properties": {
      "answer": {"type": "integer"}, "why": {"type": "string"}}, "required": ["answer"]})");
  std::vector<GenerationRequest> requests;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    requests.push_back(structured_request(tok, schema, "Question?<think>\n", seed));
    requests.back().max_tokens = 24 + int64_t(seed) * 4;
  }
  const auto results = f.generator.generate_many(requests);
  for (size_t q = 0; q < requests.size(); ++q) {
    const Completion& c = results[q][0];
    EXPECT_EQ(c.finish_reason, "stop") << c.text;
    const size_t close = c.text.find("</think>");
    ASSERT_NE(close, std::string::npos) << c.text;
    EXPECT_GT(close, 0u) << "the reasoning is free text";
    const Json doc = Json::parse(c.text.substr(close + 8));
    EXPECT_TRUE(Validator(schema).valid(doc, schema)) << c.text;
  }
}

TEST(StructuredOutput, ABudgetTooShortEndsAtLength) {
  Fixture f;
  GenerationRequest r = structured_request(
      *f.dir.tokenizer(),
      OrderedJson::parse(R"({"type": "object", "properties": {"name": {"type": "string"}},
                             "required": ["name"]})"),
      "JSON:", 7);
  r.max_tokens = 3;  // {"name":""} needs more
  const Completion c = f.generator.generate(r)[0];
  EXPECT_EQ(c.finish_reason, "length");
  EXPECT_EQ(c.tokens.size(), 3u);
  const size_t first = c.text.find_first_not_of(" \t\r\n");
  EXPECT_TRUE(first == std::string::npos || c.text[first] == '{') << c.text;
}

}  // namespace
}  // namespace r1
