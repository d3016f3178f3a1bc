// Reading all of stdin, for the commands that take their input there.
#pragma once

#include <string>

namespace r1::cli {

// IoError "stdin: read error" when reading fails.
std::string read_all_stdin();

}  // namespace r1::cli
