// The token mask of a document state: one depth-first walk of the vocabulary trie with the
// automaton, cached per state (inside a string the state repeats token after token); then
// the budget filter, and the reasoning phase's rules.
#include "infer/token_constraint.h"

#include <algorithm>
#include <unordered_map>

namespace r1 {

namespace {

constexpr std::string_view kClose = "</think>";
constexpr size_t kMaxCachedIds = size_t(4) << 20;  // per request: 32 MiB of ids and lengths

struct KeyHash {
  size_t operator()(const std::vector<uint32_t>& key) const {
    uint64_t h = 1469598103934665603ull;
    for (uint32_t x : key) h = (h ^ x) * 1099511628211ull;
    return size_t(h);
  }
};

// How many bytes at the end of text begin "</think>".
size_t partial_close(std::string_view text) {
  for (size_t k = std::min(text.size(), kClose.size() - 1); k > 0; --k)
    if (text.substr(text.size() - k) == kClose.substr(0, k)) return k;
  return 0;
}

}  // namespace

struct TokenConstraint::Cache {
  std::unordered_map<std::vector<uint32_t>, Entry, KeyHash> entries;
  size_t ids = 0;
};

bool prompt_opens_reasoning(const Tokenizer& tokenizer, const std::vector<int32_t>& prompt) {
  const std::string text = tokenizer.decode(prompt);
  const size_t open = text.rfind("<think>"), close = text.rfind(kClose);
  return open != std::string::npos && (close == std::string::npos || close < open);
}

TokenConstraint::TokenConstraint(const StructuredOutput& spec,
                                 std::shared_ptr<const TokenTrie> trie, const Tokenizer& tokenizer,
                                 std::vector<int32_t> stop_ids, bool in_reasoning)
    : grammar_(spec.grammar),
      trie_(std::move(trie)),
      tokenizer_(&tokenizer),
      stop_ids_(std::move(stop_ids)),
      markers_(spec.markers),
      cache_(std::make_shared<Cache>()),
      may_open_(spec.may_open_reasoning && trie_->think_open >= 0),
      reasoning_(in_reasoning),
      state_(GrammarState::initial(*grammar_)),
      start_rest_(state_.min_rest(*grammar_)) {
  std::sort(stop_ids_.begin(), stop_ids_.end());
}

const TokenConstraint::Entry& TokenConstraint::entry() {
  const std::vector<uint32_t>& key = state_.key();
  if (auto it = cache_->entries.find(key); it != cache_->entries.end()) return it->second;
  Entry e;
  compute(e);
  if (cache_->ids + e.ids.size() > kMaxCachedIds) {
    cache_->entries.clear();
    cache_->ids = 0;
  }
  cache_->ids += e.ids.size();
  return cache_->entries.emplace(key, std::move(e)).first->second;
}

void TokenConstraint::compute(Entry& e) {
  const ByteGrammar& g = *grammar_;
  const std::vector<TokenTrie::Node>& nodes = trie_->nodes();
  levels_.resize(std::max<size_t>(trie_->max_depth(), 1) + 1);
  levels_[0] = state_;
  std::vector<std::pair<int32_t, uint32_t>> found;  // (id, rest)
  for (uint32_t i = 0; i < nodes.size();) {
    const TokenTrie::Node& n = nodes[i];
    if ((n.byte >= kFirstMarkerByte && !markers_.empty()) ||
        !levels_[n.depth - 1].advance(g, n.byte, levels_[n.depth])) {
      i = n.end;  // no token below this prefix
      continue;
    }
    if (n.first_token != n.last_token) {
      const uint32_t rest = levels_[n.depth].min_rest(g);
      for (uint32_t t = n.first_token; t < n.last_token; ++t) found.emplace_back(trie_->token(t), rest);
    }
    ++i;
  }
  for (const MarkerToken& m : markers_)
    if (state_.advance(g, m.byte, levels_[1])) found.emplace_back(m.id, levels_[1].min_rest(g));
  if (state_.complete(*grammar_))
    for (int32_t id : stop_ids_) found.emplace_back(id, 0);
  std::sort(found.begin(), found.end());
  for (const auto& [id, rest] : found) {
    e.ids.push_back(id);
    e.rest.push_back(rest);
    e.max_rest = std::max(e.max_rest, rest);
  }
}

TokenMask TokenConstraint::mask(int64_t left) {
  if (reasoning_) return reasoning_mask(left);
  const Entry& e = entry();
  // Opening <think> needs room for both tags and then the shortest document.
  const bool open = !started_ && may_open_ && left >= int64_t(2 * kClose.size() + start_rest_);
  if (int64_t(e.max_rest) <= left && !open) return {true, &e.ids};
  list_.clear();
  for (size_t i = 0; i < e.ids.size(); ++i)
    if (int64_t(e.rest[i]) <= left) list_.push_back(e.ids[i]);
  if (list_.empty()) list_ = e.ids;  // the budget is too short: the sample ends at "length"
  if (list_.empty()) list_ = stop_ids_;  // the vocabulary cannot spell the next byte
  if (open) list_.insert(std::upper_bound(list_.begin(), list_.end(), trie_->think_open),
                         trie_->think_open);
  return {true, &list_};
}

bool TokenConstraint::starts_document(std::string_view text, int64_t left) const {
  if (!markers_.empty() &&
      std::any_of(text.begin(), text.end(), [](char c) { return uint8_t(c) >= kFirstMarkerByte; }))
    return false;
  GrammarState s = GrammarState::initial(*grammar_);
  return s.advance(*grammar_, text) && int64_t(s.min_rest(*grammar_)) <= left;
}

TokenMask TokenConstraint::reasoning_mask(int64_t left) {
  list_.clear();
  if (left >= int64_t(kClose.size() + start_rest_)) {
    // Free text; refused: the stop ids, and a token that closes the reasoning and goes on
    // with bytes the document cannot start with (or cannot finish after in time).
    list_ = stop_ids_;
    for (const auto& [id, bytes] : trie_->inner_gt) {
      const std::string text = tail_ + bytes;
      const size_t at = text.find(kClose);
      if (at == std::string::npos || at + kClose.size() == text.size()) continue;
      if (!starts_document(std::string_view(text).substr(at + kClose.size()), left))
        list_.push_back(id);
    }
    std::sort(list_.begin(), list_.end());
    return {false, &list_};
  }
  // Only what closes the reasoning now.
  const size_t k = partial_close(tail_);
  list_ = trie_->prefixes_of(kClose.substr(k));
  if (k == 0 && trie_->think_close >= 0) list_.push_back(trie_->think_close);
  std::sort(list_.begin(), list_.end());
  if (list_.empty()) return {false, &stop_ids_};  // cannot be spelled: free text
  return {true, &list_};
}

void TokenConstraint::accept(int32_t id) {
  if (reasoning_) {
    started_ = true;
    const bool shown = id == trie_->think_close || !tokenizer_->is_special(id);
    const std::string text = tail_ + (shown ? tokenizer_->token_bytes(id) : "");
    const size_t at = text.find(kClose);
    if (at == std::string::npos) {
      tail_ = text.substr(text.size() - std::min(text.size(), kClose.size() - 1));
      return;
    }
    reasoning_ = false;
    tail_.clear();
    state_ = GrammarState::initial(*grammar_);
    state_.advance(*grammar_, std::string_view(text).substr(at + kClose.size()));
    return;
  }
  if (std::binary_search(stop_ids_.begin(), stop_ids_.end(), id)) return;
  if (id == trie_->think_open && !started_ && may_open_) {
    reasoning_ = started_ = true;
    return;
  }
  started_ = true;
  for (const MarkerToken& m : markers_)
    if (m.id == id) {
      state_.advance(*grammar_, std::string(1, char(m.byte)));
      return;
    }
  state_.advance(*grammar_, tokenizer_->token_bytes(id));
}

}  // namespace r1
