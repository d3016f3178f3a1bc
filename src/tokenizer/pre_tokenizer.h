// Pre-tokenizers from tokenizer.json: Sequence, Split (Isolated), ByteLevel, Digits. They cut
// text into pieces that BPE encodes independently. Unsupported ones are FormatErrors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/json_file.h"

namespace r1::tok {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces every piece by its sub-pieces, in order (empty pieces are dropped).
  virtual void apply(std::vector<std::string>& pieces) const = 0;
};

// j is the "pre_tokenizer" value; null gives nullptr (the whole text is one piece).
std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const Json& j, const std::string& source);

// The regex ByteLevel uses when use_regex is true (GPT-2's).
extern const char* const kGpt2Pattern;

}  // namespace r1::tok
