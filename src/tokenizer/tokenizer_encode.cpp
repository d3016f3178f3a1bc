// Tokenizer::encode and its bounded, data-aware form: added tokens (none matched inside data),
// normalization, pre-tokenization and BPE, with pieces streamed from the pre-tokenizer to BPE.
#include <algorithm>
#include <cstdint>

#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace r1 {

namespace {

constexpr size_t kUnbounded = SIZE_MAX;

// NFC can make text shorter: at most this many input bytes become one output byte. The worst
// cases compose three input characters into one: Hangul L+V+T jamo (9 bytes -> 3) and a
// singleton such as U+2126 OHM SIGN followed by marks that compose with its decomposition
// (3 + 2 + 2 + 2 -> 3); a combining mark is at least 2 bytes and a composite at most 4, so 4 is
// a safe margin.
constexpr size_t kNfcMaxShrink = 4;

size_t saturating_mul(size_t a, size_t b) {
  return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

// Sorts nothing: ranges arrive sorted by begin; joins those that overlap or touch after their
// bounds were rounded outwards.
void join_overlapping(std::vector<tok::Range>& ranges) {
  size_t out = 0;
  for (const tok::Range& r : ranges) {
    if (r.first >= r.second) continue;
    if (out > 0 && r.first <= ranges[out - 1].second)
      ranges[out - 1].second = std::max(ranges[out - 1].second, r.second);
    else
      ranges[out++] = r;
  }
  ranges.resize(out);
}

// The parts of data inside [begin, end), relative to begin.
void clip_ranges(std::span<const tok::Range> data, size_t begin, size_t end,
                 std::vector<tok::Range>& out) {
  out.clear();
  auto it = std::upper_bound(data.begin(), data.end(), begin,
                             [](size_t v, const tok::Range& r) { return v < r.second; });
  for (; it != data.end() && it->first < end; ++it)
    out.emplace_back(std::max(it->first, begin) - begin, std::min(it->second, end) - begin);
}

}  // namespace

// Every id stands for at most max_bytes_per_token_ bytes of what reaches it: an added token for
// its content, a BPE token for its piece bytes. lstrip/rstrip tokens swallow any amount of
// whitespace, so with one of those there is no bound.
void Tokenizer::init_token_bounds() {
  const bool byte_level = range_mode_ == tok::PreTokenizer::RangeMode::kByteLevel;
  const size_t bpe = range_mode_ == tok::PreTokenizer::RangeMode::kNone
                         ? 0
                         : model_->max_piece_bytes_per_token(byte_level);
  max_bytes_per_token_ =
      bpe == 0 || added_.any_strip() ? 0 : std::max(bpe, added_.longest_content());
  post_added_ = post_.apply({}).size();
}

size_t Tokenizer::min_tokens_of_bytes(size_t n) const {
  if (max_bytes_per_token_ == 0) return 0;
  return n / max_bytes_per_token_ + (n % max_bytes_per_token_ != 0);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  encode_text(text, {}, kUnbounded, ids);
  return add_special_tokens ? post_.apply(std::move(ids)) : ids;
}

std::vector<int32_t> Tokenizer::encode(const PromptText& prompt, bool add_special_tokens) const {
  std::vector<int32_t> ids;
  encode_text(prompt.text, prompt.data_ranges, kUnbounded, ids);
  return add_special_tokens ? post_.apply(std::move(ids)) : ids;
}

std::optional<std::vector<int32_t>> Tokenizer::encode_at_most(const PromptText& prompt,
                                                              bool add_special_tokens,
                                                              size_t max_tokens) const {
  const size_t post = add_special_tokens ? post_added_ : 0;
  if (max_tokens < post) return std::nullopt;
  std::vector<int32_t> ids;
  if (!encode_text(prompt.text, prompt.data_ranges, max_tokens - post, ids)) return std::nullopt;
  return add_special_tokens ? post_.apply(std::move(ids)) : ids;
}

// The stretch between two added tokens of the raw text (a gap) reaches BPE whole, after
// normalization: n raw bytes are at least n / kNfcMaxShrink normalized ones, which give at least
// min_tokens_of_bytes() of those ids. A gap longer than `gap_budget` therefore cannot fit, and
// the search for the next added token need not look further than that.
bool Tokenizer::encode_text(std::string_view text, std::span<const tok::Range> data,
                            size_t max_ids, std::vector<int32_t>& ids) const {
  std::string sanitized;
  std::vector<tok::Range> remapped;
  if (!tok::is_valid_utf8(text)) {
    remapped.assign(data.begin(), data.end());
    text = sanitized = tok::sanitize_utf8(text, &remapped);
    join_overlapping(remapped);
    data = remapped;
  }
  const size_t shrink = normalizer_.is_identity() ? 1 : kNfcMaxShrink;
  const bool bounded = max_ids != kUnbounded && max_bytes_per_token_ != 0;
  std::vector<tok::Range> gap_data;
  size_t emitted = 0;
  for (;;) {
    const size_t gap_budget =
        bounded ? saturating_mul(saturating_mul(max_ids - ids.size(), max_bytes_per_token_), shrink)
                : kUnbounded;
    const size_t search_end =
        gap_budget >= text.size() - emitted ? text.size() : emitted + gap_budget + 1;
    tok::AddedVocabulary::Match m;
    const bool found = added_.next_match(text, emitted, search_end, false, data, m);
    const size_t gap_end = found ? m.start : search_end;
    if (gap_end - emitted > gap_budget) return false;
    if (gap_end > emitted) {
      clip_ranges(data, emitted, gap_end, gap_data);
      if (!encode_segment(text.substr(emitted, gap_end - emitted), gap_data, max_ids, ids))
        return false;
    }
    if (!found) return true;
    ids.push_back(m.id);
    if (ids.size() > max_ids) return false;
    emitted = m.stop;
  }
}

// Normalization (skipped when the quick check says it is a no-op), then the added tokens that
// match normalized text. Data ranges are carried through normalization rounded outwards, so a
// character composed from template and data bytes counts as data.
bool Tokenizer::encode_segment(std::string_view text, std::span<const tok::Range> data,
                               size_t max_ids, std::vector<int32_t>& ids) const {
  std::string normalized;
  std::vector<tok::NfcStretch> stretches;
  std::vector<tok::Range> mapped;
  if (normalizer_.may_change(text)) {
    text = normalized = normalizer_.apply(text, data.empty() ? nullptr : &stretches);
    for (const tok::Range& r : data)
      mapped.emplace_back(tok::map_through_nfc(stretches, r.first, false),
                          tok::map_through_nfc(stretches, r.second, true));
    join_overlapping(mapped);
    data = mapped;
  }
  size_t emitted = 0;
  for (tok::AddedVocabulary::Match m;
       added_.next_match(text, emitted, text.size(), true, data, m); emitted = m.stop) {
    if (!encode_words(text.substr(emitted, m.start - emitted), max_ids, ids)) return false;
    ids.push_back(m.id);
    if (ids.size() > max_ids) return false;
  }
  return encode_words(text.substr(emitted), max_ids, ids);
}

// Pieces go from the pre-tokenizer to BPE one at a time. A piece that alone would give more ids
// than are left (at least min_tokens_of_bytes of its length) stops the encoding before BPE.
bool Tokenizer::encode_words(std::string_view text, size_t max_ids,
                             std::vector<int32_t>& ids) const {
  using Mode = tok::PreTokenizer::RangeMode;
  if (text.empty()) return true;
  if (range_mode_ == Mode::kNone) {
    std::vector<std::string> pieces{std::string(text)};
    pre_->apply(pieces);
    for (const std::string& p : pieces) model_->encode_piece(p, ids);
    return ids.size() <= max_ids;
  }
  const bool byte_level = range_mode_ == Mode::kByteLevel;
  auto encode_piece = [&](tok::Range r) {
    const std::string_view piece = text.substr(r.first, r.second - r.first);
    if (max_ids != kUnbounded && ids.size() + min_tokens_of_bytes(piece.size()) > max_ids)
      return false;
    if (byte_level)
      model_->encode_byte_level_piece(piece, ids);
    else
      model_->encode_piece(piece, ids);
    return ids.size() <= max_ids;
  };
  if (!pre_) return encode_piece({0, text.size()});
  return pre_->for_each_range(text, {0, text.size()}, encode_piece);
}

}  // namespace r1
