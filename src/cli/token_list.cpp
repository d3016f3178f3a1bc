// Token id lists: parsing "5,17,3" and printing JSON arrays.
#include "cli/token_list.h"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>

#include "core/error.h"

namespace r1::cli {

std::vector<int32_t> parse_token_list(const std::string& s) {
  std::vector<int32_t> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    const std::string item = s.substr(i, j - i);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno != 0 || v < 0 || v > INT32_MAX)
      throw UsageError("--tokens: '" + item +
                       "' is not a token id (expected comma-separated "
                       "non-negative integers, e.g. 5,17,3)");
    out.push_back(int32_t(v));
    i = j + 1;
  }
  return out;
}

// "[1,2,3]\n"
std::string ids_json(const std::vector<int32_t>& ids) {
  std::string s(ids.size() * 12 + 3, '\0');
  char* p = s.data();
  *p++ = '[';
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) *p++ = ',';
    p = std::to_chars(p, s.data() + s.size(), ids[i]).ptr;
  }
  *p++ = ']';
  *p++ = '\n';
  s.resize(size_t(p - s.data()));
  return s;
}

}  // namespace r1::cli
