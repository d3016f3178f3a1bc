// JSON file reading with messages that name the file and the byte offset of a syntax error.
#include "io/json_file.h"

#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "io/file_io.h"

namespace r1 {

namespace {

// nlohmann messages start with "[json.exception.parse_error.101] "; the id means nothing to
// a user, the rest (line, column, what was expected) does.
std::string strip_exception_id(const std::string& what) {
  size_t close = what.find("] ");
  return what.rfind("[json.exception.", 0) == 0 && close != std::string::npos
             ? what.substr(close + 2)
             : what;
}

void append_preview(const Json& v, int depth, size_t max_chars, std::string& out) {
  if (v.is_primitive()) {  // string, number, boolean or null: dump() cannot recurse
    out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
    return;
  }
  if (!v.is_structured()) {
    out += v.type_name();
    return;
  }
  const bool array = v.is_array();
  out += array ? '[' : '{';
  if (depth == 0 && !v.empty()) out += "...";
  size_t i = 0;
  for (auto it = v.begin(); depth > 0 && it != v.end() && out.size() <= max_chars; ++it, ++i) {
    if (i) out += ", ";
    if (!array) out += Json(it.key()).dump(-1, ' ', false, Json::error_handler_t::replace) + ": ";
    append_preview(it.value(), depth - 1, max_chars, out);
  }
  out += array ? ']' : '}';
}

}  // namespace

std::string json_preview(const Json& v, size_t max_chars) {
  std::string out;
  append_preview(v, 3, max_chars, out);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

namespace {

using ParseCallback = Json::parser_callback_t;

Json parse_with(const std::string& source, const char* begin, const char* end,
                const ParseCallback& callback) {
  try {
    return Json::parse(begin, end, callback);
  } catch (const Json::parse_error& e) {
    throw FormatError(source + ": invalid JSON at byte " + std::to_string(e.byte) + ": " +
                      strip_exception_id(e.what()));
  } catch (const Json::exception& e) {
    throw FormatError(source + ": invalid JSON: " + strip_exception_id(e.what()));
  }
}

void check_depth(const std::string& source, int depth) {
  if (depth > kMaxJsonDepth)
    throw FormatError(source + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                      " levels");
}

}  // namespace

Json parse_json(const std::string& source, const char* begin, const char* end) {
  return parse_with(source, begin, end, [&source](int depth, Json::parse_event_t, Json&) {
    check_depth(source, depth);
    return true;
  });
}

Json parse_json_unique_keys(const std::string& source, const char* begin, const char* end) {
  // The keys seen so far in each object being parsed, innermost last (keys always belong to
  // the innermost open object; arrays have none).
  std::vector<std::unordered_set<std::string>> open_objects;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    check_depth(source, depth);
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == Json::parse_event_t::key) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second)
        throw FormatError(source + ": the key " + quote_untrusted(key) +
                          " appears twice in one JSON object (a later entry would silently "
                          "replace the earlier one)");
    }
    return true;
  };
  return parse_with(source, begin, end, callback);
}

Json read_json_file(const std::string& path) {
  const std::string text = read_file(path);
  return parse_json(path, text.data(), text.data() + text.size());
}

void write_text_file_atomic(const std::string& path, const std::string& text) {
  AtomicFileWriter w(path);
  w.write(text.data(), text.size());
  w.commit();
}

}  // namespace r1
