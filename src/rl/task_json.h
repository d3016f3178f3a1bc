// Typed field access for the tasks' JSONL records: each failure is a FormatError naming
// "file:line", the field and what was expected.
#pragma once

#include <cstdint>
#include <string>

#include "io/json_file.h"

namespace r1::rl {

// record[key] as an integer in [lo, hi].
int64_t json_int_field(const Json& record, const char* key, const std::string& where, int64_t lo,
                       int64_t hi);
// record[key] as a string (present and a string).
std::string json_string_field(const Json& record, const char* key, const std::string& where);
// The value of record[key] as an integer in [lo, hi]; `what` names it ("nums[2]").
int64_t json_int_value(const Json& value, const std::string& what, const std::string& where,
                       int64_t lo, int64_t hi);

}  // namespace r1::rl
