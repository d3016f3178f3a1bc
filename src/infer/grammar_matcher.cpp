// Advancing the set of stacks: each stack's top position is expanded through its precomputed
// closure (and, where the rest of its sequence may be empty, the frames below it), and every
// alternative whose first byte set holds the byte becomes a stack; duplicates are merged.
#include "infer/grammar_matcher.h"

#include <algorithm>
#include <cstring>

namespace r1 {

namespace {

// Ambiguous schemas (anyOf of alternatives alike for many bytes) multiply the stacks; past
// this many the rest are dropped: every document still accepted stays valid.
constexpr size_t kMaxStacks = 1024;

// A position that matches nothing more (a sequence's end, or a rule that is only empty).
bool finished(const ByteGrammar& g, uint32_t p) { return g.closure(p).pushes.empty(); }

// Appends the stack frames[0, len) + push minus its top byte set, going on after that byte
// set; frames whose sequences are over are dropped, so equal states have equal stacks.
void emit(const ByteGrammar& g, const uint32_t* frames, size_t len,
          const std::vector<uint32_t>& push, std::vector<uint32_t>& data,
          std::vector<uint32_t>& ends) {
  const size_t start = data.size();
  data.insert(data.end(), frames, frames + len);
  data.insert(data.end(), push.begin(), push.end() - 1);
  uint32_t next = push.back() + 1;
  while (finished(g, next) && data.size() > start) {
    next = data.back();
    data.pop_back();
  }
  data.push_back(next);
  ends.push_back(uint32_t(data.size()));
}

}  // namespace

GrammarState GrammarState::initial(const ByteGrammar& g) {
  GrammarState s;
  s.data_.push_back(g.start());
  s.ends_.push_back(1);
  return s;
}

bool GrammarState::complete(const ByteGrammar& g) const {
  uint32_t begin = 0;
  for (uint32_t end : ends_) {
    for (uint32_t i = end; i-- > begin;) {
      if (!g.closure(data_[i]).nullable) break;
      if (i == begin) return true;
    }
    begin = end;
  }
  return false;
}

bool GrammarState::must_end(const ByteGrammar& g) const {
  return ends_.size() == 1 && ends_[0] == 1 && finished(g, data_[0]);
}

uint32_t GrammarState::min_rest(const ByteGrammar& g) const {
  uint64_t best = UINT32_MAX;
  uint32_t begin = 0;
  for (uint32_t end : ends_) {
    uint64_t n = 0;
    for (uint32_t i = begin; i < end; ++i) n += g.rest(data_[i]);
    best = std::min(best, n);
    begin = end;
  }
  return uint32_t(best);
}

bool GrammarState::advance(const ByteGrammar& g, uint8_t next, GrammarState& out) const {
  out.data_.clear();
  out.ends_.clear();
  uint32_t begin = 0;
  for (uint32_t end : ends_) {
    const uint32_t* frames = data_.data() + begin;
    size_t len = end - begin - 1;
    uint32_t p = data_[end - 1];
    for (;;) {
      const ByteGrammar::Closure& c = g.closure(p);
      if (g.first_bytes(p)[next])
        for (const std::vector<uint32_t>& push : c.pushes)
          if (g.accepts(push.back(), next) && out.ends_.size() < kMaxStacks)
            emit(g, frames, len, push, out.data_, out.ends_);
      if (!c.nullable || len == 0) break;
      p = frames[--len];  // the rest of this sequence may be empty: the frame below goes on
    }
    begin = end;
  }
  if (out.ends_.size() > 1) out.dedupe();
  return !out.dead();
}

bool GrammarState::advance(const ByteGrammar& g, std::string_view bytes) {
  GrammarState next;
  for (unsigned char c : bytes) {
    if (!advance(g, c, next)) {
      *this = std::move(next);
      return false;
    }
    std::swap(*this, next);
  }
  return true;
}

void GrammarState::dedupe() {
  std::vector<uint32_t> data, ends;
  uint32_t begin = 0;
  for (uint32_t end : ends_) {
    const size_t len = end - begin;
    bool seen = false;
    uint32_t b2 = 0;
    for (uint32_t e2 : ends) {
      if (e2 - b2 == len && std::memcmp(&data[b2], &data_[begin], len * sizeof(uint32_t)) == 0) {
        seen = true;
        break;
      }
      b2 = e2;
    }
    if (!seen) {
      data.insert(data.end(), data_.begin() + begin, data_.begin() + end);
      ends.push_back(uint32_t(data.size()));
    }
    begin = end;
  }
  if (ends.size() == ends_.size()) return;
  data_ = std::move(data);
  ends_ = std::move(ends);
}

const std::vector<uint32_t>& GrammarState::key() const {
  key_.clear();
  uint32_t begin = 0;
  for (uint32_t end : ends_) {
    key_.push_back(end - begin);
    key_.insert(key_.end(), data_.begin() + begin, data_.begin() + end);
    begin = end;
  }
  return key_;
}

}  // namespace r1
