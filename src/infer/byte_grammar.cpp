// Grammar building and compilation: flattening the rules, the fewest bytes per rule (a
// worklist fixpoint) and each position's closure (memoized, refusing left recursion).
#include "infer/byte_grammar.h"

#include <algorithm>
#include <deque>
#include <limits>


namespace r1 {

namespace {

constexpr uint32_t kInfinite = std::numeric_limits<uint32_t>::max() / 4;
constexpr size_t kMaxClosureEntries = size_t(8) << 20;

uint32_t saturating_add(uint32_t a, uint32_t b) { return std::min(kInfinite, a + b); }

}  // namespace

int GrammarBuilder::new_rule() {
  rules_.emplace_back();
  return int(rules_.size()) - 1;
}

void GrammarBuilder::add_alt(int rule, Seq seq) {
  elems_ += seq.size() + 1;
  rules_[size_t(rule)].push_back(std::move(seq));
}

GrammarElem GrammarBuilder::bytes(const ByteSet& set) {
  R1_ASSERT(set.any());
  for (size_t i = 0; i < sets_.size(); ++i)
    if (sets_[i] == set) return ByteGrammar::kBytes - GrammarElem(i);
  sets_.push_back(set);
  return ByteGrammar::kBytes - GrammarElem(sets_.size() - 1);
}

GrammarBuilder::Seq GrammarBuilder::literal(std::string_view text) {
  Seq seq;
  for (unsigned char c : text) {
    ByteSet one;
    one.set(c);
    seq.push_back(bytes(one));
  }
  return seq;
}

int GrammarBuilder::repeat(const Seq& seq, int64_t lo, int64_t hi) {
  int tail = new_rule();  // the optional part: seq{0, hi - lo}, or seq* when unbounded
  if (hi < 0) {
    Seq again = seq;
    again.push_back(ref(tail));
    add_alt(tail, std::move(again));
    add_alt(tail, {});
  } else {
    add_alt(tail, {});
    for (int64_t k = lo; k < hi; ++k) {
      const int outer = new_rule();
      Seq more = seq;
      more.push_back(ref(tail));
      add_alt(outer, std::move(more));
      add_alt(outer, {});
      tail = outer;
    }
  }
  const int rule = new_rule();
  Seq all;
  for (int64_t k = 0; k < lo; ++k) all.insert(all.end(), seq.begin(), seq.end());
  all.push_back(ref(tail));
  add_alt(rule, std::move(all));
  return rule;
}

namespace {

// Closures by memoized recursion; `state` marks positions in progress to catch left recursion.
struct ClosureBuilder {
  const std::vector<GrammarElem>& elems;
  const std::vector<std::vector<uint32_t>>& alts;
  const std::vector<uint32_t>& rest;  // alternatives that cannot finish are left out
  std::vector<ByteGrammar::Closure>& out;
  std::vector<uint8_t> state;  // 0 new, 1 in progress, 2 done

  size_t total = 0;  // entries in all closures: nested alternatives multiply

  void add(ByteGrammar::Closure& c, std::vector<uint32_t> push) {
    total += push.size();
    if (c.pushes.size() >= GrammarBuilder::kMaxAlternatives || total > kMaxClosureEntries)
      throw GrammarTooAmbiguous("more than " + std::to_string(GrammarBuilder::kMaxAlternatives) +
                                " alternatives at one place (nested anyOf/oneOf, a huge enum)");
    c.pushes.push_back(std::move(push));
  }

  const ByteGrammar::Closure& get(uint32_t p) {
    if (state[p] == 2) return out[p];
    if (state[p] == 1)
      throw Error("the grammar is left-recursive (a rule can reach itself without a byte)");
    state[p] = 1;
    ByteGrammar::Closure c;
    const GrammarElem e = elems[p];
    if (e == INT32_MIN) {
      c.nullable = true;
    } else if (e < 0) {
      c.pushes.push_back({p});
    } else {
      const bool tail = elems[p + 1] == INT32_MIN;  // nothing to come back to in this sequence
      for (uint32_t start : alts[size_t(e)]) {
        if (rest[start] >= kInfinite) continue;
        const ByteGrammar::Closure& inner = get(start);
        for (const std::vector<uint32_t>& push : inner.pushes) {
          std::vector<uint32_t> full;
          if (!tail) full.push_back(p + 1);
          full.insert(full.end(), push.begin(), push.end());
          add(c, std::move(full));
        }
        if (inner.nullable) {
          const ByteGrammar::Closure& after = get(p + 1);
          for (const std::vector<uint32_t>& push : after.pushes) add(c, push);
          c.nullable = c.nullable || after.nullable;
        }
      }
    }
    std::sort(c.pushes.begin(), c.pushes.end());  // the same push by two routes counts once
    c.pushes.erase(std::unique(c.pushes.begin(), c.pushes.end()), c.pushes.end());
    state[p] = 2;
    out[p] = std::move(c);
    return out[p];
  }
};

}  // namespace

ByteGrammar GrammarBuilder::build(int root) const {
  ByteGrammar g;
  g.sets_ = sets_;
  g.elems_ = {ref(root), ByteGrammar::kEndElem};
  g.alts_.resize(rules_.size());
  for (size_t r = 0; r < rules_.size(); ++r)
    for (const Seq& seq : rules_[r]) {
      g.alts_[r].push_back(uint32_t(g.elems_.size()));
      g.elems_.insert(g.elems_.end(), seq.begin(), seq.end());
      g.elems_.push_back(ByteGrammar::kEndElem);
    }

  // Fewest bytes per rule: relax rules until nothing changes, revisiting only the users of a
  // rule that got shorter.
  std::vector<uint32_t> min_len(rules_.size(), kInfinite);
  std::vector<std::vector<int>> users(rules_.size());
  for (size_t r = 0; r < rules_.size(); ++r)
    for (const Seq& seq : rules_[r])
      for (GrammarElem e : seq)
        if (e >= 0) users[size_t(e)].push_back(int(r));
  auto seq_len = [&](const Seq& seq) {
    uint32_t n = 0;
    for (GrammarElem e : seq) n = saturating_add(n, e >= 0 ? min_len[size_t(e)] : 1);
    return n;
  };
  std::deque<int> work;
  std::vector<uint8_t> queued(rules_.size(), 1);
  for (size_t r = 0; r < rules_.size(); ++r) work.push_back(int(r));
  while (!work.empty()) {
    const int r = work.front();
    work.pop_front();
    queued[size_t(r)] = 0;
    uint32_t best = kInfinite;
    for (const Seq& seq : rules_[size_t(r)]) best = std::min(best, seq_len(seq));
    if (best >= min_len[size_t(r)]) continue;
    min_len[size_t(r)] = best;
    for (int u : users[size_t(r)])
      if (!queued[size_t(u)]) queued[size_t(u)] = 1, work.push_back(u);
  }
  if (min_len[size_t(root)] >= kInfinite) throw Error("the grammar matches no finite document");

  g.rest_.assign(g.elems_.size(), 0);
  for (size_t p = g.elems_.size(); p-- > 0;) {
    const GrammarElem e = g.elems_[p];
    if (e == ByteGrammar::kEndElem) continue;
    g.rest_[p] = saturating_add(e >= 0 ? min_len[size_t(e)] : 1, g.rest_[p + 1]);
  }

  g.closures_.resize(g.elems_.size());
  ClosureBuilder builder{g.elems_, g.alts_, g.rest_, g.closures_, std::vector<uint8_t>(g.elems_.size(), 0)};
  for (uint32_t p = 0; p < g.elems_.size(); ++p) builder.get(p);
  g.first_.resize(g.elems_.size());
  for (uint32_t p = 0; p < g.elems_.size(); ++p)
    for (const std::vector<uint32_t>& push : g.closures_[p].pushes) g.first_[p] |= g.byte_set(push.back());
  return g;
}

}  // namespace r1
