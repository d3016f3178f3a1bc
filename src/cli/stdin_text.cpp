// Reading all of stdin in 64 KiB pieces.
#include "cli/stdin_text.h"

#include <cstdio>

#include "core/error.h"

namespace r1::cli {

std::string read_all_stdin() {
  std::string text;
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, stdin)) > 0;) text.append(buf, n);
  if (std::ferror(stdin)) throw IoError("stdin: read error");
  return text;
}

}  // namespace r1::cli
