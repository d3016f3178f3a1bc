// Added-token matching: a byte trie walked from every position (leftmost-longest).
#include "tokenizer/added_vocab.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/error.h"
#include "tokenizer/utf8.h"

namespace r1::tok {

namespace {

// Rust's char::is_whitespace on the code points that matter (Unicode White_Space).
bool is_ws(char32_t c) {
  return (c >= 9 && c <= 13) || c == ' ' || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Last code point before byte offset `end` of valid UTF-8 s, and its start.
char32_t prev_cp(std::string_view s, size_t end, size_t& start) {
  start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  size_t i = start;
  return utf8_next(s, i);
}

bool is_word_cp(char32_t c) {
  return c == '_' || (c < 0x80 ? std::isalnum(int(c)) != 0 : !is_ws(c));
}

}  // namespace

void AddedVocabulary::Trie::insert(std::string_view s, int32_t value) {
  if (!s.empty() && !first_byte[static_cast<unsigned char>(s[0])]) {
    first_byte[static_cast<unsigned char>(s[0])] = true;
    if (n_first_bytes++ == 0) first_first_byte = static_cast<unsigned char>(s[0]);
  }
  int32_t node = 0;
  for (unsigned char c : s) {
    const uint64_t key = (uint64_t(uint32_t(node)) << 8) | c;
    auto it = edges.find(key);
    if (it == edges.end()) {
      terminal.push_back(-1);
      it = edges.emplace(key, int32_t(terminal.size() - 1)).first;
    }
    node = it->second;
  }
  terminal[size_t(node)] = value;
}

// Special tokens usually share one first byte ('<'), which memchr finds far faster than a
// byte loop.
size_t AddedVocabulary::Trie::next_candidate(std::string_view text, size_t pos, size_t end) const {
  if (pos >= end) return end;
  if (n_first_bytes == 1) {
    const void* hit = std::memchr(text.data() + pos, first_first_byte, end - pos);
    return hit ? size_t(static_cast<const char*>(hit) - text.data()) : end;
  }
  while (pos < end && !first_byte[static_cast<unsigned char>(text[pos])]) ++pos;
  return pos;
}

void AddedVocabulary::add(const AddedToken& t) {
  if (t.content.empty()) return;
  tokens_.push_back(t);
  max_id_ = std::max(max_id_, t.id);
  by_id_[t.id] = tokens_.size() - 1;
  any_strip_ = any_strip_ || t.lstrip || t.rstrip;
  longest_content_ = std::max(longest_content_, t.content.size());
  trie_[t.normalized ? 1 : 0].insert(t.content, int32_t(tokens_.size() - 1));
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

int32_t AddedVocabulary::id_of(std::string_view content) const {
  int32_t found = -1;
  for (const AddedToken& t : tokens_)
    if (t.content == content) found = t.id;
  return found;
}

void AddedVocabulary::split(std::string_view text, bool normalized,
                            std::vector<Segment>& out) const {
  std::vector<Span> spans;
  split_spans(text, normalized, spans);
  for (const Span& s : spans)
    out.push_back({std::string(text.substr(s.begin, s.end - s.begin)), s.id});
}

void AddedVocabulary::split_spans(std::string_view text, bool normalized,
                                  std::vector<Span>& out) const {
  size_t emitted = 0;  // text before this offset has been emitted
  for (Match m; next_match(text, emitted, text.size(), normalized, {}, m); emitted = m.stop) {
    if (m.start > emitted) out.push_back({emitted, m.start, -1});
    out.push_back({0, 0, m.id});
  }
  if (emitted < text.size()) out.push_back({emitted, text.size(), -1});
}

bool AddedVocabulary::next_match(std::string_view text, size_t from, size_t search_end,
                                 bool normalized, std::span<const std::pair<size_t, size_t>> data,
                                 Match& m) const {
  const Trie& trie = trie_[normalized ? 1 : 0];
  if (trie.terminal.size() == 1) return false;  // no token of this kind
  search_end = std::min(search_end, text.size());
  // data[d] is the first data range that ends after pos.
  size_t d = size_t(std::upper_bound(data.begin(), data.end(), from,
                                     [](size_t v, const auto& r) { return v < r.second; }) -
                    data.begin());
  for (size_t pos = trie.next_candidate(text, from, search_end); pos < search_end;
       pos = trie.next_candidate(text, pos, search_end)) {
    while (d < data.size() && data[d].second <= pos) ++d;
    if (d < data.size() && data[d].first <= pos) {  // inside data: go on after it
      pos = data[d].second;
      continue;
    }
    // A token's bytes must end before the next data range starts.
    const size_t walk_end = d < data.size() ? std::min(text.size(), data[d].first) : text.size();
    int32_t node = 0, best = -1;
    size_t best_end = 0;
    for (size_t i = pos; i < walk_end; ++i) {
      auto it =
          trie.edges.find((uint64_t(uint32_t(node)) << 8) | static_cast<unsigned char>(text[i]));
      if (it == trie.edges.end()) break;
      node = it->second;
      if (trie.terminal[size_t(node)] >= 0) best = trie.terminal[size_t(node)], best_end = i + 1;
    }
    if (best < 0) {
      ++pos;
      continue;
    }
    const AddedToken& t = tokens_[size_t(best)];
    size_t start = pos, stop = best_end;
    if (t.single_word) {
      size_t ps = 0, q = stop;
      const bool start_ok = start == 0 || !is_word_cp(prev_cp(text, start, ps));
      const bool stop_ok = stop == text.size() || !is_word_cp(utf8_next(text, q));
      if (!start_ok || !stop_ok) {
        ++pos;
        continue;
      }
    }
    if (t.lstrip)
      while (start > from) {
        size_t ps = 0;
        if (!is_ws(prev_cp(text, start, ps))) break;
        start = ps;
      }
    if (t.rstrip)
      while (stop < text.size()) {
        size_t q = stop;
        if (!is_ws(utf8_next(text, q))) break;
        stop = q;
      }
    m = {start, stop, t.id};
    return true;
  }
  return false;
}

AddedVocabulary parse_added_tokens(const Json& j, const std::string& source) {
  AddedVocabulary v;
  if (j.is_null()) return v;
  if (!j.is_array()) throw FormatError(source + ": added_tokens must be an array");
  for (const Json& e : j) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_number_integer() ||
        !e.contains("content") || !e["content"].is_string())
      throw FormatError(source + ": added_tokens: each entry needs an integer id and a content");
    AddedToken t;
    t.content = e["content"].get<std::string>();
    const int64_t id = e["id"].get<int64_t>();
    if (id < 0 || id >= (int64_t(1) << 24))
      throw FormatError(source + ": added_tokens: id " + std::to_string(id) + " out of range");
    if (!is_valid_utf8(t.content))
      throw FormatError(source + ": added_tokens: content of id " + std::to_string(id) +
                        " is not valid UTF-8");
    t.id = int32_t(id);
    if (const AddedToken* other = v.by_id(t.id); other && other->content != t.content)
      throw FormatError(source + ": added_tokens: id " + std::to_string(id) + " is given to both " +
                        quote_untrusted(other->content) + " and " + quote_untrusted(t.content) +
                        "; each id must name one token");
    auto flag = [&](const char* k, bool def) {
      return e.contains(k) && e[k].is_boolean() ? e[k].get<bool>() : def;
    };
    t.special = flag("special", false);
    t.lstrip = flag("lstrip", false);
    t.rstrip = flag("rstrip", false);
    t.single_word = flag("single_word", false);
    t.normalized = flag("normalized", !t.special);
    v.add(t);
  }
  return v;
}

}  // namespace r1::tok
