// The response_format request field: free text, any JSON object, or a JSON Schema, turned into
// the grammar that constrains sampling (infer/json_schema_grammar.h says what is supported).
#pragma once

#include <memory>

#include "infer/byte_grammar.h"
#include "io/json_file.h"
#include "server/ordered_body.h"

namespace r1::server {

// The grammar response_format asks for: null for {"type": "text"} or when absent. ordered is
// the same body (parsed as body) with its keys in the order sent: the schema's order.
// ApiError 400 with param "response_format" for a malformed value or an unsupported schema
// keyword (the message names it and its place in the schema).
std::shared_ptr<const ByteGrammar> parse_response_format(OrderedBody& ordered, const Json& body);

}  // namespace r1::server
