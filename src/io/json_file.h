// Reading JSON documents from files with errors that name the file and position.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace r1 {

using Json = nlohmann::json;

// Parses JSON text, rejecting documents nested deeper than kMaxJsonDepth (hostile nesting would
// otherwise make copies, comparisons and dump() recurse until the stack overflows). Errors are
// FormatErrors starting with `source` (a file name) and giving the byte offset.
constexpr int kMaxJsonDepth = 64;
Json parse_json(const std::string& source, const char* begin, const char* end);
// parse_json() that also refuses an object holding one key twice (where a later entry would
// silently replace an earlier one: tensor names in a safetensors header or index).
Json parse_json_unique_keys(const std::string& source, const char* begin, const char* end);

Json read_json_file(const std::string& path);  // IoError / FormatError naming path
void write_text_file_atomic(const std::string& path, const std::string& text);

// A JSON value rendered for a one-line error message: nesting shown to depth 3, cut after
// about `max_chars`. Unlike dump() it is safe on hostile, deeply nested values.
std::string json_preview(const Json& v, size_t max_chars = 80);

}  // namespace r1
