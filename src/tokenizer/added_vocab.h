// Added tokens (special or not) from tokenizer.json, matched before normalization like Hugging
// Face's AddedVocabulary: leftmost-longest match, with lstrip / rstrip / single_word.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/json_file.h"

namespace r1::tok {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false, lstrip = false, rstrip = false, single_word = false, normalized = false;
};

// A piece of the input: either plain text (id < 0) or one added token.
struct Segment {
  std::string text;
  int32_t id = -1;
};

// The same as a Segment, as byte offsets into the text that was split (begin = end = 0 for a
// token).
struct Span {
  size_t begin = 0, end = 0;
  int32_t id = -1;
};

class AddedVocabulary {
 public:
  void add(const AddedToken& t);  // later duplicates of the same content replace earlier ones
  // Splits text on the tokens whose `normalized` flag equals `normalized`.
  void split(std::string_view text, bool normalized, std::vector<Segment>& out) const;
  // The same split without copying text.
  void split_spans(std::string_view text, bool normalized, std::vector<Span>& out) const;

  // The next match a split would cut: the first added token (of those whose `normalized` flag
  // equals `normalized`) that starts at or after `from` and before `search_end`, leftmost-
  // longest, with lstrip (never reaching before `from`) / rstrip / single_word applied. A match
  // is only taken where the token's own bytes lie wholly outside every range of `data` (sorted,
  // disjoint [begin, end) byte ranges): text inside data never becomes an added token, and a
  // token that starts outside and ends inside data is not one either (a shorter token that
  // ends before the data still is). lstrip/rstrip may still take whitespace from data, as they
  // would from any text next to the token. Returns false when there is none.
  struct Match {
    size_t start = 0, stop = 0;  // the bytes the token stands for, stripped whitespace included
    int32_t id = -1;
  };
  bool next_match(std::string_view text, size_t from, size_t search_end, bool normalized,
                  std::span<const std::pair<size_t, size_t>> data, Match& m) const;

  // Whether some token has lstrip or rstrip (then one token can stand for any number of bytes).
  bool any_strip() const { return any_strip_; }
  // The longest content of any token, in bytes.
  size_t longest_content() const { return longest_content_; }
  const AddedToken* by_id(int32_t id) const;
  int32_t id_of(std::string_view content) const;  // -1 if none
  bool empty() const { return tokens_.empty(); }
  int32_t max_id() const { return max_id_; }  // -1 if none
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Trie {
    std::unordered_map<uint64_t, int32_t> edges;  // (node << 8 | byte) -> node
    std::vector<int32_t> terminal{-1};            // node -> index into tokens_ or -1
    std::array<bool, 256> first_byte{};           // bytes that start some token
    int n_first_bytes = 0;
    unsigned char first_first_byte = 0;  // the only one when n_first_bytes == 1
    // The next position in [pos, end) whose byte starts some token, or end.
    size_t next_candidate(std::string_view text, size_t pos, size_t end) const;
    void insert(std::string_view s, int32_t value);
  };
  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  Trie trie_[2];  // [normalized]
  int32_t max_id_ = -1;
  bool any_strip_ = false;
  size_t longest_content_ = 0;
};

AddedVocabulary parse_added_tokens(const Json& j, const std::string& source);

}  // namespace r1::tok
