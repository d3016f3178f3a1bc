// JSON Schema (a subset) to a byte grammar whose documents all validate against the schema:
// the constraint behind structured output (response_format).
//
// Supported: type (object, array, string, number, integer, boolean, null, or a list of them),
// properties, required, additionalProperties, items, minItems/maxItems, minLength/maxLength,
// enum, const, anyOf, oneOf (as anyOf: alternatives are expected to be disjoint), local $ref
// ("#", "#/$defs/...", "#/definitions/...") and annotations (title, description, default,
// examples, ...). Any other keyword is refused with its JSON path.
//
// What the grammar generates (every document it accepts is valid; some valid ones are not
// generated): properties in the order of the schema's `properties` object, a required one
// always present, an optional one present or skipped; required names missing from
// `properties` follow them. Without `additionalProperties`, an object with `properties` gets
// no other keys (one without gets any keys); with it (true or a schema) further keys follow
// the declared ones, written in ASCII without escapes and never equal to a declared name.
// Whitespace: at most kMaxWhitespace bytes between tokens and before the document, none after
// it. Numbers: at most 16 integer digits, 16 fraction digits and 2 exponent digits; integers
// have no fraction or exponent. Strings: valid UTF-8, JSON escapes, \u surrogates in pairs.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "infer/byte_grammar.h"

namespace r1 {

using OrderedJson = nlohmann::ordered_json;

constexpr int kMaxWhitespace = 20;

// A schema that cannot be compiled: the keyword at fault and where it is (a JSON pointer).
class SchemaError : public UsageError {
 public:
  SchemaError(const std::string& keyword, const std::string& path, const std::string& message)
      : UsageError(message), keyword_(keyword), path_(path) {}
  const std::string& keyword() const { return keyword_; }
  const std::string& path() const { return path_; }

 private:
  std::string keyword_, path_;
};

class JsonRules;

// The documents valid under schema (a JSON Schema object or boolean). SchemaError.
std::shared_ptr<const ByteGrammar> json_schema_grammar(const OrderedJson& schema);

// For grammars that embed documents (tool calls): the rule of schema's documents, whitespace
// before them included, added to b with the JSON rules json (one JsonRules per builder, shared
// by every schema in it). SchemaError.
int json_schema_rule(const OrderedJson& schema, GrammarBuilder& b, JsonRules& json);
// b compiled from root, its failures as SchemaError (too ambiguous, no finite document).
std::shared_ptr<const ByteGrammar> build_schema_grammar(const GrammarBuilder& b, int root);
// Any JSON object (response_format {"type": "json_object"}).
std::shared_ptr<const ByteGrammar> json_object_grammar();

}  // namespace r1
