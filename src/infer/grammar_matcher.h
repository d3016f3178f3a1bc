// The state of a byte grammar's pushdown matcher: the set of stacks still alive (more than one
// where the grammar is ambiguous so far, as with anyOf), advanced one byte at a time.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "infer/byte_grammar.h"

namespace r1 {

// A set of stacks in one flat buffer. Each stack lists grammar positions, bottom first: the
// frames to come back to, then on top the position to go on from, expanded only when a byte
// arrives (its closure: often many alternatives, of which a byte picks one). The stack of the
// complete document is the single position where the root sequence ends.
class GrammarState {
 public:
  // The state before the first byte.
  static GrammarState initial(const ByteGrammar& g);

  bool dead() const { return ends_.empty(); }
  bool complete(const ByteGrammar& g) const;  // the document may end here
  bool must_end(const ByteGrammar& g) const;  // complete and nothing may follow
  uint32_t min_rest(const ByteGrammar& g) const;  // fewest bytes to a complete document
  // Whether `next` can follow: writes the state after it into out (dead when not).
  bool advance(const ByteGrammar& g, uint8_t next, GrammarState& out) const;
  bool advance(const ByteGrammar& g, std::string_view bytes);  // in place; false when dead

  // The stacks as one key for caching (equal keys, equal states).
  const std::vector<uint32_t>& key() const;

 private:
  void dedupe();

  std::vector<uint32_t> data_;  // the stacks' positions, one after another
  std::vector<uint32_t> ends_;  // where each stack ends in data_
  mutable std::vector<uint32_t> key_;
};

}  // namespace r1
