// NFC (canonical decomposition, canonical ordering, canonical composition) and normalizer parsing.
#include "tokenizer/normalizer.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "tokenizer/nfc_tables.h"
#include "tokenizer/utf8.h"

namespace r1::tok {

namespace {

constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr int kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
              kSCount = kLCount * kNCount;

int ccc(char32_t cp) {
  if (cp < 0x300) return 0;
  const auto* b = nfc_data::kCcc;
  const auto* e = nfc_data::kCcc + nfc_data::kCccCount;
  const auto* it =
      std::lower_bound(b, e, cp, [](const uint32_t(&row)[2], char32_t v) { return row[0] < v; });
  return it != e && (*it)[0] == cp ? int((*it)[1]) : 0;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const int s = int(cp - kSBase);
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  if (cp >= 0xC0) {
    const auto* b = nfc_data::kDecompIndex;
    const auto* e = nfc_data::kDecompIndex + nfc_data::kDecompCount;
    const auto* it =
        std::lower_bound(b, e, cp, [](const uint32_t(&row)[3], char32_t v) { return row[0] < v; });
    if (it != e && (*it)[0] == cp) {
      for (uint32_t k = 0; k < (*it)[2]; ++k) out.push_back(nfc_data::kDecompData[(*it)[1] + k]);
      return;
    }
  }
  out.push_back(cp);
}

// The primary composite of (a, b), or 0.
char32_t compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount)
    return a + (b - kTBase);
  const auto* e = nfc_data::kComp + nfc_data::kCompCount;
  const auto* it =
      std::lower_bound(nfc_data::kComp, e, std::pair<char32_t, char32_t>{a, b},
                       [](const uint32_t(&row)[3], std::pair<char32_t, char32_t> v) {
                         return row[0] < v.first || (row[0] == v.first && row[1] < v.second);
                       });
  return it != e && (*it)[0] == a && (*it)[1] == b ? char32_t((*it)[2]) : 0;
}

}  // namespace

namespace {

// The full algorithm (decomposition, canonical ordering, composition) on one stretch of text,
// appended to out.
void nfc_full(std::string_view text, std::string& out_text) {
  std::vector<char32_t> cps;
  cps.reserve(text.size());
  for (size_t i = 0; i < text.size();) decompose(utf8_next(text, i), cps);
  // Canonical ordering: stable sort each run of non-starters by combining class.
  for (size_t i = 0; i < cps.size();) {
    if (ccc(cps[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && ccc(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + long(i), cps.begin() + long(j),
                     [](char32_t a, char32_t b) { return ccc(a) < ccc(b); });
    i = j;
  }
  // Canonical composition.
  std::vector<char32_t> out;
  out.reserve(cps.size());
  long starter = -1;
  int last_ccc = 0;
  for (char32_t cp : cps) {
    const int c = ccc(cp);
    if (starter >= 0) {
      // Not blocked: adjacent to the starter, or every character since it has a lower class.
      const bool adjacent = out.size() == size_t(starter) + 1;
      if (adjacent || (last_ccc != 0 && last_ccc < c)) {
        if (const char32_t composite = compose(out[size_t(starter)], cp)) {
          out[size_t(starter)] = composite;
          continue;
        }
      }
    }
    if (c == 0) {
      starter = long(out.size());
      last_ccc = 0;
    } else {
      last_ccc = c;
    }
    out.push_back(cp);
  }
  for (char32_t cp : out) append_utf8(out_text, cp);
}

// The quick-check value of the code point at text[i], advancing i: 255 where NFC_Quick_Check is
// not Yes, else the canonical combining class.
int quick_check_next(std::string_view text, size_t& i) {
  if (static_cast<unsigned char>(text[i]) < 0x80) return ++i, 0;
  const char32_t cp = utf8_next(text, i);
  if (cp >= 0x110000) return 255;  // not valid UTF-8: leave it to the full algorithm
  return nfc_data::kQcData[size_t(nfc_data::kQcIndex[cp >> 7]) * 128 + (cp & 127)];
}

}  // namespace

bool is_nfc_quick(std::string_view text) {
  int last_ccc = 0;
  for (size_t i = 0; i < text.size();) {
    const int v = quick_check_next(text, i);
    if (v == 255 || (v != 0 && last_ccc > v)) return false;
    last_ccc = v;
  }
  return true;
}

// Only the stretches around characters that fail the quick check go through the full algorithm.
// Text can be cut before any character with NFC_Quick_Check=Yes and class 0: nothing before it
// reorders or composes with it or with what follows (UAX #15, stable code points).
std::string nfc(std::string_view text, std::vector<NfcStretch>* stretches) {
  std::string out;
  size_t copied = 0, cut = 0;  // text before `copied` is in out; `cut`: the last cut point seen
  int last_ccc = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    const int v = quick_check_next(text, i);
    if (v == 0) {
      cut = at, last_ccc = 0;
      continue;
    }
    if (v != 255 && last_ccc <= v) {
      last_ccc = v;
      continue;
    }
    size_t end = i;  // the next cut point
    while (end < text.size()) {
      size_t j = end;
      if (quick_check_next(text, j) == 0) break;
      end = j;
    }
    if (out.empty()) out.reserve(text.size() + 16);
    out.append(text.substr(copied, cut - copied));
    const size_t out_begin = out.size();
    nfc_full(text.substr(cut, end - cut), out);
    if (stretches) stretches->push_back({cut, end, out_begin, out.size()});
    copied = cut = i = end;
    last_ccc = 0;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

size_t map_through_nfc(std::span<const NfcStretch> stretches, size_t offset, bool round_up) {
  // The last stretch that starts at or before offset.
  auto it = std::upper_bound(stretches.begin(), stretches.end(), offset,
                             [](size_t v, const NfcStretch& s) { return v < s.in_begin; });
  if (it == stretches.begin()) return offset;
  const NfcStretch& s = *(it - 1);
  if (offset >= s.in_end) return s.out_end + (offset - s.in_end);
  if (offset == s.in_begin) return s.out_begin;
  return round_up ? s.out_end : s.out_begin;
}

Normalizer Normalizer::parse(const Json& j, const std::string& source) {
  Normalizer n;
  if (j.is_null()) return n;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw FormatError(source + ": normalizer: expected an object with a \"type\"");
  const std::string type = j["type"].get<std::string>();
  if (type == "NFC") {
    n.nfc_ = true;
  } else if (type == "Sequence") {
    if (!j.contains("normalizers") || !j["normalizers"].is_array())
      throw FormatError(source + ": normalizer Sequence: missing \"normalizers\" array");
    for (const Json& sub : j["normalizers"]) {
      const Normalizer s = parse(sub, source);
      n.nfc_ = n.nfc_ || s.nfc_;  // NFC is idempotent, so any number of NFCs is one
    }
  } else {
    throw FormatError(source + ": normalizer '" + type + "' is not supported");
  }
  return n;
}

}  // namespace r1::tok
