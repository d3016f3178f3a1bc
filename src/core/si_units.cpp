// SI prefixes up to T.
#include "core/si_units.h"

#include <cstdio>

namespace r1 {

std::string si_units(double v, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T"};
  int i = 0;
  while ((v >= 1000.0 || v <= -1000.0) && i < 4) v /= 1000.0, ++i;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %s%s", v, prefixes[i], unit);
  return buf;
}

}  // namespace r1
