// Numbers for people: 140544 -> "140.54 KB" (powers of 1000, two decimals).
#pragma once

#include <string>

namespace r1 {

std::string si_units(double value, const char* unit);

}  // namespace r1
