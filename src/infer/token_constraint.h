// Constrained sampling: which token ids may come next so that the output is a document of a
// byte grammar (structured output), and the automaton advanced by each sampled token.
//
// A token is allowed when every byte of it advances the automaton; special and other added
// tokens never are (but for marker tokens, below), the stop ids only once the document is
// complete. With `left` tokens of
// budget after the next one, a token is allowed only if the fewest bytes that then finish the
// document are at most `left` (one byte per token is always possible with a byte-level
// vocabulary), so the document completes within max_tokens whenever it can.
//
// Reasoning models: when the prompt leaves <think> open (or the model opens it as its first
// token, if allowed) the output is free text up to "</think>" and the document starts after
// it. Stop ids are refused meanwhile, and once the budget left is only what closing the
// reasoning and the shortest document need, "</think>" is forced.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "infer/byte_grammar.h"
#include "infer/grammar_matcher.h"
#include "infer/token_trie.h"

namespace r1 {

// Grammar bytes that are never text (valid UTF-8 has no 0xF8-0xFF) stand for one added token
// each: the grammar spells a marker such as <｜tool▁call▁begin｜> as one such byte, which only
// that token matches, so the marker is written as the token a model was trained on, never
// byte by byte, and counts one token in the budget.
constexpr uint8_t kFirstMarkerByte = 0xF8;
struct MarkerToken {
  uint8_t byte;  // >= kFirstMarkerByte
  int32_t id;
};

// What a request asks for (GenerationRequest::structured).
struct StructuredOutput {
  std::shared_ptr<const ByteGrammar> grammar;
  bool may_open_reasoning = false;  // the model may open <think> before the document
  std::vector<MarkerToken> markers = {};  // the grammar's marker bytes (none for JSON documents)
};

// The allowed tokens of one step: only `ids` (sorted), or every id but them.
struct TokenMask {
  bool only = true;
  const std::vector<int32_t>* ids = nullptr;
};

// Whether a prompt ends inside a reasoning block: its last "<think>" after its last "</think>".
bool prompt_opens_reasoning(const Tokenizer& tokenizer, const std::vector<int32_t>& prompt);

class TokenConstraint {
 public:
  // Copies share the mask cache (the samples of one request).
  TokenConstraint(const StructuredOutput& spec, std::shared_ptr<const TokenTrie> trie,
                  const Tokenizer& tokenizer, std::vector<int32_t> stop_ids, bool in_reasoning);

  TokenMask mask(int64_t left);
  void accept(int32_t id);

  bool in_reasoning() const { return reasoning_; }
  bool complete() const { return !reasoning_ && state_.complete(*grammar_); }
  bool must_end() const { return !reasoning_ && state_.must_end(*grammar_); }

 private:
  struct Entry {
    std::vector<int32_t> ids;      // sorted
    std::vector<uint32_t> rest;    // per id: fewest bytes left after it
    uint32_t max_rest = 0;
  };
  struct Cache;

  const Entry& entry();  // the current document state's tokens, cached
  void compute(Entry& e);
  TokenMask reasoning_mask(int64_t left);
  // Whether text (after "</think>") starts a document from the grammar's start, within left.
  bool starts_document(std::string_view text, int64_t left) const;

  std::shared_ptr<const ByteGrammar> grammar_;
  std::shared_ptr<const TokenTrie> trie_;
  const Tokenizer* tokenizer_;
  std::vector<int32_t> stop_ids_;
  std::vector<MarkerToken> markers_;
  std::shared_ptr<Cache> cache_;
  bool may_open_;
  bool reasoning_;
  bool started_ = false;  // a token was taken in the document or reasoning phase
  GrammarState state_;
  uint32_t start_rest_;    // fewest bytes of a whole document
  std::string tail_;       // reasoning: its last bytes (a partial "</think>")
  std::vector<int32_t> list_;
  std::vector<GrammarState> levels_;  // trie walk: the state at each depth
};

}  // namespace r1
