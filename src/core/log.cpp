// stderr logging.
#include "core/log.h"

#include <cstdio>

namespace r1 {

void log_note(const std::string& message) {
  std::fprintf(stderr, "r1: note: %s\n", message.c_str());
}

}  // namespace r1
