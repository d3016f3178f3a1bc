// Parsing of --tokens lists ("5,17,3").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace r1::cli {

// Throws UsageError naming the bad item.
std::vector<int32_t> parse_token_list(const std::string& s);

}  // namespace r1::cli
