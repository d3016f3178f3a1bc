// JSONL field helpers shared by the task loaders.
#include "rl/task_json.h"

#include <limits>

#include "core/error.h"

namespace r1::rl {

int64_t json_int_value(const Json& value, const std::string& what, const std::string& where,
                       int64_t lo, int64_t hi) {
  const bool fits =
      value.is_number_integer() &&
      !(value.is_number_unsigned() &&
        value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()));
  if (fits) {
    const int64_t v = value.get<int64_t>();
    if (v >= lo && v <= hi) return v;
  }
  throw FormatError(where + ": field \"" + what + "\": expected an integer in [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                    json_preview(value));
}

int64_t json_int_field(const Json& record, const char* key, const std::string& where, int64_t lo,
                       int64_t hi) {
  if (!record.contains(key))
    throw FormatError(where + ": missing field \"" + std::string(key) + "\"");
  return json_int_value(record[key], key, where, lo, hi);
}

std::string json_string_field(const Json& record, const char* key, const std::string& where) {
  if (!record.contains(key))
    throw FormatError(where + ": missing field \"" + std::string(key) + "\"");
  const Json& v = record[key];
  if (!v.is_string())
    throw FormatError(where + ": field \"" + std::string(key) + "\": expected a string, got " +
                      json_preview(v));
  return v.get<std::string>();
}

}  // namespace r1::rl
