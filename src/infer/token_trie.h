// The vocabulary as a byte trie in depth-first order, built once per tokenizer: a constraint
// walks it with its automaton and skips every token below a rejected prefix at once.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace r1 {

class TokenTrie {
 public:
  // Regular tokens only: added tokens (special or not, e.g. <think>) are markers, never part
  // of a structured document.
  explicit TokenTrie(const Tokenizer& tokenizer);

  struct Node {
    uint32_t end;           // one past the last node of this subtree
    uint32_t first_token;   // tokens ending here: tokens_[first_token, last_token)
    uint32_t last_token;
    uint16_t depth;         // 1 for a token's first byte
    uint8_t byte;
  };
  const std::vector<Node>& nodes() const { return nodes_; }
  int32_t token(uint32_t i) const { return tokens_[i]; }
  size_t max_depth() const { return max_depth_; }

  // The tokens whose bytes are a non-empty prefix of text.
  std::vector<int32_t> prefixes_of(std::string_view text) const;

  // For reasoning models: the ids spelling "<think>" and "</think>" (-1 if none), and every
  // token (added ones included) with a '>' before its last byte: the only ones that can
  // close the reasoning and go on with document bytes in one token.
  int32_t think_open = -1, think_close = -1;
  std::vector<std::pair<int32_t, std::string>> inner_gt;  // (id, bytes)

 private:
  std::vector<Node> nodes_;
  std::vector<int32_t> tokens_;
  size_t max_depth_ = 0;
};

// A TokenTrie built on first use (thread-safe); copies share it.
class LazyTokenTrie {
 public:
  std::shared_ptr<const TokenTrie> get(const Tokenizer& tokenizer) const;

 private:
  struct Slot {
    std::mutex mutex;
    std::shared_ptr<const TokenTrie> trie;
  };
  std::shared_ptr<Slot> slot_ = std::make_shared<Slot>();
};

}  // namespace r1
