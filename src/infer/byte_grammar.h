// A context-free grammar over bytes (rules of alternative sequences of byte sets and rule
// references), compiled into the tables a pushdown matcher walks: per position its closure
// (what the stack becomes on reaching it) and the fewest bytes that finish its sequence.
#pragma once

#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace r1 {

// A grammar whose alternatives multiply past the matcher's limits at one place (nested
// ambiguous choices, as a hostile anyOf nesting makes).
class GrammarTooAmbiguous : public Error {
 public:
  using Error::Error;
};

using ByteSet = std::bitset<256>;

// One element of a sequence: a rule reference (>= 0) or a byte set (kBytes - index).
using GrammarElem = int32_t;

class ByteGrammar;

// Builds a grammar rule by rule; rules may be referenced before their alternatives are added
// (recursion), but never left-recursively (build() refuses it).
class GrammarBuilder {
 public:
  static constexpr size_t kMaxAlternatives = size_t(1) << 16;

  using Seq = std::vector<GrammarElem>;

  int new_rule();
  void add_alt(int rule, Seq seq);  // an empty seq: the rule may match nothing
  GrammarElem bytes(const ByteSet& set);
  static GrammarElem ref(int rule) { return rule; }
  // The bytes of text, one element each.
  Seq literal(std::string_view text);
  // A rule matching seq repeated lo..hi times (hi < 0: unbounded); seq must not match nothing.
  int repeat(const Seq& seq, int64_t lo, int64_t hi);
  size_t size() const { return elems_; }  // elements so far (for a size limit)

  // The grammar whose documents are the matches of `root`. Throws r1::Error when a rule is
  // left-recursive or matches no finite document, GrammarTooAmbiguous past kMaxAlternatives
  // alternatives at one position.
  ByteGrammar build(int root) const;

 private:
  std::vector<std::vector<Seq>> rules_;
  std::vector<ByteSet> sets_;
  size_t elems_ = 0;
};

class ByteGrammar {
 public:
  static constexpr uint32_t kEnd = 0xFFFFFFFFu;  // no position

  // What a matcher's stack becomes when it reaches position p: each list in `pushes` is
  // pushed (bottom first; its last entry is a byte-set position), and if `nullable` the
  // sequence from p can end here, so the frame below continues.
  struct Closure {
    std::vector<std::vector<uint32_t>> pushes;
    bool nullable = false;
  };

  uint32_t start() const { return 0; }
  bool accepts(uint32_t p, uint8_t byte) const { return sets_[size_t(kBytes - elems_[p])][byte]; }
  const ByteSet& byte_set(uint32_t p) const { return sets_[size_t(kBytes - elems_[p])]; }
  const Closure& closure(uint32_t p) const { return closures_[p]; }
  // The bytes that can come first from position p: the union of its closure's top byte sets.
  const ByteSet& first_bytes(uint32_t p) const { return first_[p]; }
  // The fewest bytes that finish the sequence from position p (p itself included).
  uint32_t rest(uint32_t p) const { return rest_[p]; }

 private:
  friend class GrammarBuilder;
  static constexpr GrammarElem kBytes = -1;  // byte set i is kBytes - i
  static constexpr GrammarElem kEndElem = INT32_MIN;

  std::vector<GrammarElem> elems_;           // every sequence followed by kEndElem
  std::vector<std::vector<uint32_t>> alts_;  // per rule: where its alternatives start
  std::vector<ByteSet> sets_;
  std::vector<Closure> closures_;  // per position
  std::vector<ByteSet> first_;     // per position
  std::vector<uint32_t> rest_;     // per position
};

}  // namespace r1
