// Token id lists: parsing --tokens ("5,17,3") and printing ids as a JSON array.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace r1::cli {

// Throws UsageError naming the bad item.
std::vector<int32_t> parse_token_list(const std::string& s);
// "[1,2,3]\n"
std::string ids_json(const std::vector<int32_t>& ids);

}  // namespace r1::cli
