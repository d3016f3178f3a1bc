// A prompt as text plus where its bytes came from: a chat template's own text (which may spell
// special tokens) or the conversation's data (message content, names, tool definitions), in
// which no special or added token may ever be matched, so user text cannot forge turn
// boundaries, end-of-sentence or tool-call tokens.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace r1 {

struct PromptText {
  std::string text;
  // Sorted, disjoint, non-empty [begin, end) byte ranges of `text` that came from data.
  std::vector<std::pair<size_t, size_t>> data_ranges;

  // Appends bytes that the template (or program) wrote: special tokens in them are matched.
  void append_template(std::string_view s) { text.append(s); }
  // Appends bytes that came from data: never matched as special tokens. Adjacent data ranges
  // merge, so the ranges stay sorted, disjoint and non-empty.
  void append_data(std::string_view s) {
    if (s.empty()) return;
    const size_t begin = text.size();
    text.append(s);
    if (!data_ranges.empty() && data_ranges.back().second == begin)
      data_ranges.back().second = text.size();
    else
      data_ranges.emplace_back(begin, text.size());
  }
  // Bytes [begin, end) count as the program's own from now on (text it put into a message on
  // purpose, as the server's tools description): special tokens in them are matched.
  void own(size_t begin, size_t end) {
    std::vector<std::pair<size_t, size_t>> kept;
    for (const auto& [a, b] : data_ranges) {
      if (a < begin) kept.emplace_back(a, std::min(b, begin));
      if (b > end) kept.emplace_back(std::max(a, end), b);
    }
    data_ranges = std::move(kept);
  }
};

}  // namespace r1
