// Diagnostics on stderr for things a user should know but that are not errors.
#pragma once

#include <string>

namespace r1 {

void log_note(const std::string& message);  // "r1: note: <message>"

}  // namespace r1
