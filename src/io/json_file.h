// Reading JSON documents from files with errors that name the file and position.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace r1 {

using Json = nlohmann::json;

Json read_json_file(const std::string& path);  // IoError / FormatError naming path
void write_text_file_atomic(const std::string& path, const std::string& text);

}  // namespace r1
