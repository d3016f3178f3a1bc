// A compiled PCRE2 pattern (UTF + UCP, JIT when available) with the "all matches" iteration
// that Hugging Face's Split pre-tokenizer uses (Oniguruma-like leftmost-first backtracking).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/function_ref.h"
#include "tokenizer/regex_fast.h"

namespace r1::tok {

class Regex {
 public:
  // Throws FormatError "<source>: <what>: invalid regex ...". Patterns that regex_fast.h knows
  // are matched by hand where ASCII decides the match (unless use_fast_path is false: tests
  // compare both).
  Regex(const std::string& pattern, const std::string& source, const std::string& what,
        bool use_fast_path = true);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Byte ranges [begin, end) of the successive non-empty matches in text, which must be valid
  // UTF-8 (it is matched with PCRE2_NO_UTF_CHECK). Thread-safe.
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;
  // The same matches, handed to on_match(begin, end) one at a time as they are found, so that a
  // huge text needs no list of them; stops and returns false as soon as on_match does.
  bool for_each_match(std::string_view text, FunctionRef<bool(size_t, size_t)> on_match) const;

 private:
  void* code_ = nullptr;  // pcre2_code_8*
  bool jit_ = false;
  std::string what_;
  FastPattern fast_ = FastPattern::kNone;
};

}  // namespace r1::tok
