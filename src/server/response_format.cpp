// Parsing response_format: OpenAI's text / json_object / json_schema forms, and llama-server's
// {"type": "json_object", "schema": {...}}.
#include "server/response_format.h"

#include "infer/json_schema_grammar.h"
#include "server/api_error.h"

namespace r1::server {

namespace {

constexpr const char* kParam = "response_format";

// A malformed part of response_format: param names the whole field.
[[noreturn]] void bad(const std::string& what, const std::string& expected, const Json& got) {
  bad_field(what, expected, got, kParam);
}

const OrderedJson* member(const OrderedJson& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::shared_ptr<const ByteGrammar> compile(const OrderedJson& schema) {
  try {
    return json_schema_grammar(schema);
  } catch (const SchemaError& e) {
    throw invalid_request("'response_format' schema: " + std::string(e.what()), kParam,
                          "unsupported_schema");
  }
}

}  // namespace

std::shared_ptr<const ByteGrammar> parse_response_format(OrderedBody& ordered, const Json& body) {
  const auto it = body.find(kParam);
  if (it == body.end() || it->is_null()) return nullptr;
  const std::string expected = "{\"type\": \"text\"}, {\"type\": \"json_object\"} or "
                               "{\"type\": \"json_schema\", \"json_schema\": {...}}";
  if (!it->is_object()) bad(kParam, expected, *it);
  const auto type = it->find("type");
  if (type == it->end() || !type->is_string()) bad(kParam, expected, *it);
  const std::string kind = type->get<std::string>();
  if (kind == "text") return nullptr;
  if (kind != "json_object" && kind != "json_schema")
    bad("response_format.type", "\"text\", \"json_object\" or \"json_schema\"", *type);
  // The same value with its keys in the order sent: properties are generated in that order.
  const OrderedJson& format = ordered.at(kParam);
  if (kind == "json_object") {
    const OrderedJson* schema = member(format, "schema");  // llama-server's extension
    return schema ? compile(*schema) : json_object_grammar();
  }
  const OrderedJson* spec = member(format, "json_schema");
  if (!spec || !spec->is_object())
    bad("response_format.json_schema", "an object with 'name' and 'schema'",
        it->contains("json_schema") ? (*it)["json_schema"] : Json());
  if (const OrderedJson* name = member(*spec, "name"); name && !name->is_string())
    bad("response_format.json_schema.name", "a string", (*it)["json_schema"]["name"]);
  if (const OrderedJson* strict = member(*spec, "strict"); strict && !strict->is_boolean())
    bad("response_format.json_schema.strict", "a boolean", (*it)["json_schema"]["strict"]);
  const OrderedJson* schema = member(*spec, "schema");
  return compile(schema ? *schema : OrderedJson::object());
}

}  // namespace r1::server
