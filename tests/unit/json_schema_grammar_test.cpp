// The JSON Schema byte automaton: valid and invalid documents per feature (JSON syntax, string
// escapes and UTF-8, numbers, properties and their order, required, additionalProperties, enum,
// const, arrays and their bounds, anyOf, string lengths, $ref), and the refused keywords.
#include "infer/json_schema_grammar.h"

#include <gtest/gtest.h>

#include "infer/grammar_matcher.h"

namespace r1 {
namespace {

bool accepts(const ByteGrammar& g, const std::string& text) {
  GrammarState s = GrammarState::initial(g);
  return s.advance(g, text) && s.complete(g);
}

void expect_language(const OrderedJson& schema, const std::vector<std::string>& valid,
                     const std::vector<std::string>& invalid) {
  const auto g = json_schema_grammar(schema);
  for (const std::string& t : valid) EXPECT_TRUE(accepts(*g, t)) << schema.dump() << " " << t;
  for (const std::string& t : invalid) EXPECT_FALSE(accepts(*g, t)) << schema.dump() << " " << t;
}

OrderedJson parse(const char* text) { return OrderedJson::parse(text); }

TEST(JsonSchemaGrammar, AnyObject) {
  const auto g = json_object_grammar();
  for (const char* t : {"{}", "{ }", "{\"a\":1}", " {\"a\" : true}", "\n\n{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"}",
                        "{\"a\":{\"b\":{\"c\":[[],{}]}},\"d\":-0.5e+3}", "{\n  \"a\": false\n}"})
    EXPECT_TRUE(accepts(*g, t)) << t;
  for (const char* t : {"[]", "\"a\"", "{\"a\":}", "{a:1}", "{\"a\":1,}", "{\"a\":01}", "{} ",
                        "{\"a\":1 \"b\":2}", "{\"a\":tru}", "{\"a\":1", "{,}"})
    EXPECT_FALSE(accepts(*g, t)) << t;
  EXPECT_TRUE(accepts(*g, "{" + std::string(kMaxWhitespace, ' ') + "}"));
  EXPECT_FALSE(accepts(*g, "{" + std::string(kMaxWhitespace + 1, ' ') + "}"));
}

TEST(JsonSchemaGrammar, StringEscapesAndUtf8) {
  const OrderedJson schema = parse(R"({"type": "string"})");
  expect_language(
      schema,
      {R"("")", R"("a\"b\\c\/d\b\f\n\r\t")", R"("\u00e9\u20AC")", R"("\uD83D\uDE00")",
       "\"\xC3\xA9\"", "\"\xE2\x82\xAC\"", "\"\xF0\x9F\x98\x80\"", "\"\x7F\""},
      {R"("\x")", R"("\uD800")", R"("\uDC00")", R"("\u12")", "\"a\nb\"", "\"\x01\"",
       "\"\xC0\x80\"", "\"\x80\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xC3\"", "\"a",
       "a"});
}

TEST(JsonSchemaGrammar, Numbers) {
  expect_language(parse(R"({"type": "integer"})"), {"0", "-12", "1234567890123456", "-0"},
                  {"1.0", "1e3", "01", "-", "12345678901234567", "+1", ".5"});
  expect_language(parse(R"({"type": "number"})"),
                  {"0", "1.5e-3", "-0.0E+12", "3.14", "10", "2e99"},
                  {".5", "1.", "1e", "1e100", "--1", "0x10", "NaN"});
}

TEST(JsonSchemaGrammar, PropertiesInSchemaOrderRequiredPresentOptionalSkippable) {
  const OrderedJson schema = parse(R"({"type": "object", "properties": {
      "zeta": {"type": "integer"}, "b": {"type": "string"}, "a": {"type": "boolean"}},
      "required": ["zeta", "a"], "additionalProperties": false})");
  expect_language(schema,
                  {R"({"zeta":1,"a":true})", R"({"zeta":1,"b":"x","a":false})",
                   R"({ "zeta" : 1 , "b" : "" , "a" : true })"},
                  {R"({"a":true,"zeta":1})", R"({"zeta":1})", R"({"zeta":1,"a":true,"d":3})",
                   R"({"zeta":"1","a":true})", R"({})", R"({"zeta":1,"a":true,"a":true})"});
  // Without additionalProperties only the declared keys are written (all optional here).
  expect_language(parse(R"({"type": "object", "properties": {"x": {"type": "null"}}})"),
                  {"{}", R"({"x":null})"}, {R"({"y":null})", R"({"x":null,"y":1})"});
}

TEST(JsonSchemaGrammar, AdditionalProperties) {
  expect_language(parse(R"({"type": "object", "properties": {"ab": {"type": "integer"}},
                            "additionalProperties": true})"),
                  {R"({"ab":1,"zz":[1]})", R"({"a":"x"})", R"({"abc":1,"b":{}})", "{}"},
                  {R"({"ab":1,"ab":2})", R"({"ab":1,"x":1,"ab":2})", R"({"ab":"s"})"});
  expect_language(parse(R"({"type": "object", "additionalProperties": {"type": "integer"}})"),
                  {R"({"x":1})", R"({"x\n":1,"y":-2})", "{}"}, {R"({"x":"s"})"});
  // Required names that are not in properties take the additional schema.
  expect_language(parse(R"({"required": ["id"]})"), {R"({"id":[1,"x"]})"}, {"{}"});
}

TEST(JsonSchemaGrammar, EnumConstAndTypes) {
  expect_language(parse(R"({"enum": ["red", 1, null, {"k": [1]}]})"),
                  {R"("red")", "1", "null", R"({"k":[1]})"}, {R"("blue")", "2", R"({"k":[2]})"});
  expect_language(parse(R"({"type": "string", "enum": ["a", 1]})"), {R"("a")"}, {"1"});
  expect_language(parse(R"({"const": "x\"y"})"), {R"("x\"y")"}, {R"("x")"});
  expect_language(parse(R"({"type": ["string", "null"]})"), {R"("s")", "null"}, {"1", "true"});
  expect_language(parse(R"({"type": "boolean"})"), {"true", "false"}, {"null", "1"});
  expect_language(parse(R"({"anyOf": [{"type": "string"}, {"type": "integer"}]})"),
                  {R"("x")", "5"}, {"true", "1.5"});
  expect_language(parse(R"({"oneOf": [{"type": "object", "properties": {"a": {"const": 1}},
      "required": ["a"]}, {"type": "object", "properties": {"a": {"const": 2}, "b": {"const": 3}},
      "required": ["a", "b"]}]})"),
                  {R"({"a":1})", R"({"a":2,"b":3})"}, {R"({"a":1,"b":3})", R"({"a":2})"});
  expect_language(parse("{}"), {"1", "[]", R"({"a":"b"})", "null"}, {"", "nul"});
  // A long enum is a trie: one parse, every value reachable.
  OrderedJson many = OrderedJson::array();
  for (int i = 0; i < 20000; ++i) many.push_back(i);
  const auto big = json_schema_grammar({{"enum", many}});
  for (const char* t : {"0", "19999", "777", "1"}) EXPECT_TRUE(accepts(*big, t)) << t;
  for (const char* t : {"20000", "-1", "01"}) EXPECT_FALSE(accepts(*big, t)) << t;
}

TEST(JsonSchemaGrammar, ArraysAndLengths) {
  expect_language(parse(R"({"type": "array", "items": {"type": "integer"}, "minItems": 2,
                            "maxItems": 3})"),
                  {"[1,2]", "[1, 2, 3]", "[ 1 ,2 ]"}, {"[1]", "[1,2,3,4]", "[]", "[1,\"a\"]"});
  expect_language(parse(R"({"type": "array", "maxItems": 0})"), {"[]"}, {"[1]"});
  expect_language(parse(R"({"type": "array"})"), {"[]", R"([1,"a",[{}]])"}, {"[,]"});
  expect_language(parse(R"({"type": "string", "minLength": 2, "maxLength": 3})"),
                  {R"("ab")", R"("abc")", "\"\xC3\xA9\xE2\x82\xAC\"", R"("\n\u0041")"},
                  {R"("a")", R"("abcd")", R"("")"});
}

TEST(JsonSchemaGrammar, LocalRefsIncludingRecursion) {
  const OrderedJson schema = parse(R"({"$ref": "#/$defs/node", "$defs": {"node": {
      "type": "object", "properties": {"v": {"type": "integer"},
      "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
      "required": ["v"], "additionalProperties": false}}})");
  expect_language(schema, {R"({"v":1})", R"({"v":1,"kids":[{"v":2,"kids":[{"v":3}]}]})"},
                  {R"({"v":1,"kids":[{}]})", R"({"kids":[]})"});
}

TEST(JsonSchemaGrammar, CompletionStates) {
  const auto obj = json_object_grammar();
  GrammarState s = GrammarState::initial(*obj);
  EXPECT_EQ(s.min_rest(*obj), 2u);  // "{}"
  ASSERT_TRUE(s.advance(*obj, "{\"a\":[1"));
  EXPECT_EQ(s.min_rest(*obj), 2u);  // "]}"
  ASSERT_TRUE(s.advance(*obj, "]}"));
  EXPECT_TRUE(s.must_end(*obj));
  const auto integer = json_schema_grammar(parse(R"({"type": "integer"})"));
  GrammarState n = GrammarState::initial(*integer);
  ASSERT_TRUE(n.advance(*integer, "12"));
  EXPECT_TRUE(n.complete(*integer));
  EXPECT_FALSE(n.must_end(*integer));
  const auto required = json_schema_grammar(parse(
      R"({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]})"));
  EXPECT_EQ(GrammarState::initial(*required).min_rest(*required), std::string(R"({"name":""})").size());
}

TEST(JsonSchemaGrammar, UnsupportedKeywordsAreRefusedWithTheirPath) {
  const std::pair<const char*, std::pair<const char*, const char*>> cases[] = {
      {R"({"type": "object", "properties": {"name": {"type": "string", "pattern": "^a"}}})",
       {"pattern", "/properties/name"}},
      {R"({"type": "string", "format": "date"})", {"format", ""}},
      {R"({"type": "array", "items": {"type": "number", "minimum": 0}})", {"minimum", "/items"}},
      {R"({"type": "object", "patternProperties": {}})", {"patternProperties", ""}},
      {R"({"allOf": [{"type": "string"}]})", {"allOf", ""}},
      {R"({"$ref": "#"})", {"$ref", ""}},
      {R"({"$ref": "http://x/y"})", {"$ref", ""}},
      {R"({"enum": []})", {"enum", ""}},
      {R"({"type": "text"})", {"type", ""}},
      {R"({"type": "array", "minItems": 3, "maxItems": 2})", {"maxItems", ""}},
      {R"({"anyOf": [{"type": "string"}], "type": "string"})", {"anyOf", ""}},
      {R"({"properties": {"a/b": {"not": {}}}})", {"not", "/properties/a~1b"}},
  };
  for (const auto& [text, expected] : cases) {
    try {
      json_schema_grammar(OrderedJson::parse(text));
      ADD_FAILURE() << text << " was accepted";
    } catch (const SchemaError& e) {
      EXPECT_EQ(e.keyword(), expected.first) << text;
      EXPECT_EQ(e.path(), expected.second) << text;
      std::string quoted = "'";
      quoted.append(expected.first).append("'");
      EXPECT_NE(std::string(e.what()).find(quoted), std::string::npos) << e.what();
    }
  }
}

// Ambiguity that doubles the live stacks at every level (anyOf of two objects that agree on
// their first key, nested 20 deep) stays bounded: the valid documents still match, quickly.
TEST(JsonSchemaGrammar, NestedAmbiguityKeepsABoundedSetOfStacks) {
  OrderedJson defs = OrderedJson::object();
  const int depth = 20;
  auto name = [](int i) {
    std::string n = "d";
    n += std::to_string(i);
    return n;
  };
  for (int i = 0; i < depth; ++i) {
    std::string ref = "#/$defs/";
    ref += name(i + 1);
    const OrderedJson next = {{"$ref", ref}};
    defs[name(i)] = {
        {"anyOf", OrderedJson::array(
                      {{{"type", "object"}, {"properties", {{"a", next}}}, {"required", {"a"}}},
                       {{"type", "object"},
                        {"properties", {{"a", next}, {"b", {{"type", "integer"}}}}},
                        {"required", {"a"}}}})}};
  }
  defs[name(depth)] = {{"type", "integer"}};
  const auto g = json_schema_grammar({{"$ref", "#/$defs/d0"}, {"$defs", defs}});
  std::string open;
  for (int i = 0; i < depth; ++i) open += "{\"a\":";
  GrammarState s = GrammarState::initial(*g);
  ASSERT_TRUE(s.advance(*g, open));
  // Each stack holds a few frames per level; 2^20 of them would not fit.
  EXPECT_LT(s.key().size(), size_t(1024) * (8 * depth + 8));
  std::string close(size_t(depth) + 1, '}');
  close[0] = '1';
  ASSERT_TRUE(s.advance(*g, close));
  EXPECT_TRUE(s.must_end(*g));
}

}  // namespace
}  // namespace r1
