// Normalizers from tokenizer.json: null, NFC, and Sequence of those. Anything else is a
// FormatError naming the file and the component.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/json_file.h"

namespace r1::tok {

// A stretch of text that NFC rewrote: input bytes [in_begin, in_end) became output bytes
// [out_begin, out_end). Text outside every stretch is copied unchanged.
struct NfcStretch {
  size_t in_begin, in_end, out_begin, out_end;
};

// Unicode Normalization Form C of valid UTF-8 text. With `stretches`, the rewritten stretches
// are appended there, in order.
std::string nfc(std::string_view text, std::vector<NfcStretch>* stretches = nullptr);

// Where input byte offset `offset` lands in nfc()'s output, given its stretches. An offset inside
// a rewritten stretch has no exact image; it goes to the stretch's output start, or its end when
// round_up (so that a range mapped with round_up on its end covers all it came from).
size_t map_through_nfc(std::span<const NfcStretch> stretches, size_t offset, bool round_up);

// The Unicode NFC quick check on valid UTF-8: true when text is certainly in NFC (every character
// has NFC_Quick_Check=Yes and the combining marks are in canonical order), false when it may not
// be. Most text passes, and then normalizing it is a no-op that need not copy.
bool is_nfc_quick(std::string_view text);

class Normalizer {
 public:
  // j is the "normalizer" value (may be null); source names the file in errors.
  static Normalizer parse(const Json& j, const std::string& source);
  bool is_identity() const { return !nfc_; }
  std::string apply(std::string_view text,
                    std::vector<NfcStretch>* stretches = nullptr) const {
    return nfc_ ? nfc(text, stretches) : std::string(text);
  }
  // False when apply(text) is certainly text itself (the caller may skip it).
  bool may_change(std::string_view text) const { return nfc_ && !is_nfc_quick(text); }

 private:
  bool nfc_ = false;
};

}  // namespace r1::tok
