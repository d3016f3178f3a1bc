// Pre-tokenizers from tokenizer.json: Sequence, Split (Isolated), ByteLevel, Digits. They cut
// text into pieces that BPE encodes independently. Unsupported ones are FormatErrors.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/json_file.h"
#include "tokenizer/function_ref.h"

namespace r1::tok {

// A piece of a text as byte offsets [first, second).
using Range = std::pair<size_t, size_t>;
// Receives pieces one at a time; returns false to stop the split.
using RangeSink = FunctionRef<bool(Range)>;

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces every piece by its sub-pieces, in order (empty pieces are dropped).
  virtual void apply(std::vector<std::string>& pieces) const = 0;

  // Whether for_each_range() can stand in for apply(), which lets the encoder cut a text into
  // offsets instead of strings. kNone: this pre-tokenizer rewrites the text (only apply() works);
  // kPlain: apply() gives the text of the ranges; kByteLevel: it gives their byte-level images.
  enum class RangeMode { kNone, kPlain, kByteLevel };
  virtual RangeMode range_mode() const { return RangeMode::kNone; }
  // Hands the sub-ranges of range r of text to sink, in order (empty ones dropped), as they are
  // found: a huge text is split piece by piece and never held as a list of pieces. Returns false
  // as soon as sink does. Only valid when range_mode() is not kNone.
  virtual bool for_each_range(std::string_view text, Range r, RangeSink sink) const;
};

// j is the "pre_tokenizer" value; null gives nullptr (the whole text is one piece).
std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const Json& j, const std::string& source);

// The regex ByteLevel uses when use_regex is true (GPT-2's).
extern const char* const kGpt2Pattern;

}  // namespace r1::tok
