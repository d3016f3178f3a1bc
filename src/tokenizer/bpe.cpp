// BPE vocabulary/merges loading and the merge loop (the same order as Hugging Face's: always the
// lowest-rank pair, leftmost first among equal ranks).
#include "tokenizer/bpe.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"
#include "tokenizer/word_cache.h"

namespace r1::tok {

namespace {

uint64_t next_uid() {
  static std::atomic<uint64_t> counter{0};
  return ++counter;
}

// The word caches of the calling thread, one per (model, key space), most recently used first.
// A handful is kept so that a thread switching between a few tokenizers keeps their caches.
WordCache& thread_cache(uint64_t key) {
  struct Entry {
    uint64_t key;
    std::unique_ptr<WordCache> cache;
  };
  thread_local std::vector<Entry> entries;
  if (!entries.empty() && entries[0].key == key) return *entries[0].cache;
  auto it =
      std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
  if (it == entries.end()) {
    if (entries.size() >= 4) entries.pop_back();
    entries.push_back({key, std::make_unique<WordCache>()});
    it = entries.end() - 1;
  }
  std::rotate(entries.begin(), it, it + 1);
  return *entries[0].cache;
}

std::string opt_string(const Json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (!j[key].is_string()) throw FormatError(where + ": \"" + key + "\" must be a string or null");
  return j[key].get<std::string>();
}

}  // namespace

BpeModel::BpeModel()
    : shared_(std::make_unique<std::array<SharedWordCache, 2>>()), uid_(next_uid()) {
  byte_ids_.fill(-1);
}

BpeModel BpeModel::parse(const Json& j, const std::string& source) {
  const std::string where = source + ": model";
  if (!j.is_object()) throw FormatError(where + ": expected an object");
  const std::string type = opt_string(j, "type", where);
  if (type != "BPE" && !(type.empty() && j.contains("merges")))
    throw FormatError(source + ": model '" + type + "' is not supported (only BPE)");
  if (j.contains("byte_fallback") && j["byte_fallback"].is_boolean() &&
      j["byte_fallback"].get<bool>())
    throw FormatError(where + ": byte_fallback true is not supported");
  if (j.contains("dropout") && j["dropout"].is_number() && j["dropout"].get<double>() > 0.0)
    throw FormatError(where + ": BPE dropout is not supported");
  if (!opt_string(j, "continuing_subword_prefix", where).empty() ||
      !opt_string(j, "end_of_word_suffix", where).empty())
    throw FormatError(where + ": continuing_subword_prefix / end_of_word_suffix are not supported");
  if (!j.contains("vocab") || !j["vocab"].is_object())
    throw FormatError(where + ": missing \"vocab\" object");
  if (!j.contains("merges") || !j["merges"].is_array())
    throw FormatError(where + ": missing \"merges\" array");

  BpeModel m;
  m.ignore_merges_ = j.contains("ignore_merges") && j["ignore_merges"].is_boolean() &&
                     j["ignore_merges"].get<bool>();
  m.fuse_unk_ = j.contains("fuse_unk") && j["fuse_unk"].is_boolean() && j["fuse_unk"].get<bool>();
  const Json& vocab = j["vocab"];
  m.vocab_.reserve(vocab.size());
  int64_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer())
      throw FormatError(where + ": vocab entry '" + it.key() + "' is not an integer id");
    const int64_t id = it.value().get<int64_t>();
    if (id < 0 || id >= (int64_t(1) << 24))
      throw FormatError(where + ": vocab id " + std::to_string(id) + " out of range");
    m.vocab_.emplace(it.key(), int32_t(id));
    max_id = std::max(max_id, id);
  }
  m.id_to_token_.resize(size_t(max_id + 1));
  m.id_used_.resize(size_t(max_id + 1));
  for (const auto& [tok, id] : m.vocab_) {
    if (m.id_used_[size_t(id)])
      throw FormatError(where + ": vocab id " + std::to_string(id) + " is given to two strings, " +
                        quote_untrusted(m.id_to_token_[size_t(id)]) + " and " +
                        quote_untrusted(tok) + "; each id must name one token");
    m.id_to_token_[size_t(id)] = tok;
    m.id_used_[size_t(id)] = true;
  }
  const std::string unk = opt_string(j, "unk_token", where);
  if (!unk.empty()) m.unk_id_ = m.token_to_id(unk);
  for (int b = 0; b < 256; ++b) m.byte_ids_[size_t(b)] = m.token_to_id(byte_to_unicode(uint8_t(b)));

  const Json& merges = j["merges"];
  m.merges_.reserve(merges.size());
  int32_t rank = 0;
  for (const Json& mj : merges) {
    std::string a, b;
    if (mj.is_string()) {
      const std::string s = mj.get<std::string>();
      const size_t sp = s.find(' ', 1);
      if (sp == std::string::npos)
        throw FormatError(where + ": merge " + std::to_string(rank) + " is not \"a b\"");
      a = s.substr(0, sp), b = s.substr(sp + 1);
    } else if (mj.is_array() && mj.size() == 2 && mj[0].is_string() && mj[1].is_string()) {
      a = mj[0].get<std::string>(), b = mj[1].get<std::string>();
    } else {
      throw FormatError(where + ": merge " + std::to_string(rank) +
                        " must be \"a b\" or [\"a\", \"b\"]");
    }
    const int32_t ia = m.token_to_id(a), ib = m.token_to_id(b), inew = m.token_to_id(a + b);
    if (ia < 0 || ib < 0 || inew < 0)
      throw FormatError(where + ": merge " + std::to_string(rank) + " ('" + a + "', '" + b +
                        "') uses a token that is not in the vocab");
    m.merges_.insert(ia, ib, MergeTable::Merge{rank, inew});  // first (lowest) rank wins
    ++rank;
  }
  return m;
}

int32_t BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

size_t BpeModel::max_piece_bytes_per_token(bool byte_level) const {
  // A token's string is at least as long as the raw bytes it stands for in byte-level mode
  // (every byte maps to a character of one or two bytes).
  size_t longest = 0;
  for (const std::string& t : id_to_token_) longest = std::max(longest, t.size());
  if (byte_level) {
    const bool all_bytes = std::all_of(byte_ids_.begin(), byte_ids_.end(),
                                       [](int32_t id) { return id >= 0; });
    return all_bytes ? longest : 0;
  }
  if (unk_id_ < 0 || fuse_unk_) return 0;
  return std::max<size_t>(longest, 4);  // an unk token stands for one character
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || size_t(id) >= id_to_token_.size() || !id_used_[size_t(id)]) return nullptr;
  return &id_to_token_[size_t(id)];
}

// Memoized encoding of one piece: the calling thread's cache, then the cache the threads share,
// then compute(out), whose result goes into both.
template <typename Compute>
void BpeModel::memoized(std::string_view key, bool byte_level, std::vector<int32_t>& out,
                        Compute compute) const {
  WordCache& mine = thread_cache(uid_ * 2 + (byte_level ? 1 : 0));
  const uint64_t h = hash_bytes(key);
  size_t n = 0;
  if (const int32_t* ids = mine.find(key, h, n)) {
    out.insert(out.end(), ids, ids + n);
    return;
  }
  const size_t mark = out.size();
  // Null only in a moved-from model.
  SharedWordCache* shared = shared_ ? &(*shared_)[byte_level ? 1 : 0] : nullptr;
  const bool known = shared && shared->find(key, h, out);
  if (!known) compute(out);
  const std::span<const int32_t> ids(out.data() + mark, out.size() - mark);
  mine.insert(key, h, ids);
  if (shared && !known) shared->insert(key, h, ids);
}

void BpeModel::encode_piece(std::string_view piece, std::vector<int32_t>& out) const {
  if (piece.empty()) return;
  memoized(piece, false, out, [&](std::vector<int32_t>& ids) {
    const int32_t whole = ignore_merges_ ? token_to_id(piece) : -1;
    if (whole >= 0)
      ids.push_back(whole);
    else
      merge_chars(piece, ids);
  });
}

void BpeModel::encode_byte_level_piece(std::string_view raw, std::vector<int32_t>& out) const {
  if (raw.empty()) return;
  if (raw.size() == 1 && byte_ids_[static_cast<unsigned char>(raw[0])] >= 0)
    return out.push_back(byte_ids_[static_cast<unsigned char>(raw[0])]);
  memoized(raw, true, out, [&](std::vector<int32_t>& ids) {
    int32_t whole = -1;
    if (ignore_merges_) {
      thread_local std::string mapped;
      mapped.clear();
      for (unsigned char c : raw) mapped += byte_to_unicode(c);
      whole = token_to_id(mapped);
    }
    if (whole >= 0)
      ids.push_back(whole);
    else
      merge_bytes(raw, ids);
  });
}

// Characters missing from the vocab become unk (fused if asked) or are dropped when there is no
// unk token, as Hugging Face does.
void BpeModel::push_symbol(int32_t id, std::vector<Symbol>& sym) const {
  if (id < 0) {
    if (unk_id_ < 0) return;
    if (fuse_unk_ && !sym.empty() && sym.back().id == unk_id_) return;
    id = unk_id_;
  }
  sym.push_back({id, int32_t(sym.size()) - 1, int32_t(sym.size()) + 1});
}

void BpeModel::merge_chars(std::string_view piece, std::vector<int32_t>& out) const {
  thread_local std::vector<Symbol> sym;
  sym.clear();
  for (size_t i = 0; i < piece.size();) {
    const size_t start = i;
    const size_t n = utf8_valid_len(piece, i);
    i += n ? n : 1;
    push_symbol(token_to_id(piece.substr(start, i - start)), sym);
  }
  merge(sym, out);
}

void BpeModel::merge_bytes(std::string_view raw, std::vector<int32_t>& out) const {
  thread_local std::vector<Symbol> sym;
  sym.clear();
  for (unsigned char c : raw) push_symbol(byte_ids_[c], sym);
  merge(sym, out);
}

// Always the lowest-rank pair, leftmost first among equal ranks (Hugging Face's order). A merged
// symbol keeps the left slot; the right one is unlinked.
void BpeModel::merge(std::vector<Symbol>& sym, std::vector<int32_t>& out) const {
  if (sym.empty()) return;
  sym.back().next = -1;
  // The rank names the merge (and so its new id): each rank is one rule.
  struct Cand {
    int32_t rank, pos;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  thread_local std::vector<Cand> heap;
  heap.clear();
  const auto later = std::greater<Cand>();
  auto add = [&](int32_t pos) {
    const int32_t nxt = sym[size_t(pos)].next;
    if (nxt < 0) return false;
    const MergeTable::Merge* m = merges_.find(sym[size_t(pos)].id, sym[size_t(nxt)].id);
    if (m) heap.push_back({m->rank, pos});
    return m != nullptr;
  };
  auto push = [&](int32_t pos) {
    if (add(pos)) std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t p = 0; p + 1 < int32_t(sym.size()); ++p) add(p);
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Cand c = heap.back();
    heap.pop_back();
    Symbol& left = sym[size_t(c.pos)];
    if (left.id < 0 || left.next < 0) continue;
    Symbol& right = sym[size_t(left.next)];
    const MergeTable::Merge* m = merges_.find(left.id, right.id);
    if (!m || m->rank != c.rank) continue;  // stale: one side changed since this was queued
    left.id = m->new_id;
    right.id = -1;  // dead
    left.next = right.next;
    if (right.next >= 0) sym[size_t(right.next)].prev = c.pos;
    if (left.prev >= 0) push(left.prev);
    push(c.pos);
  }
  for (int32_t p = 0; p >= 0; p = sym[size_t(p)].next) out.push_back(sym[size_t(p)].id);
  // The scratch of one huge piece is given back rather than kept for the thread's lifetime.
  if (heap.capacity() > (size_t(1) << 16)) std::vector<Cand>().swap(heap);
  if (sym.capacity() > (size_t(1) << 16)) std::vector<Symbol>().swap(sym);
}

}  // namespace r1::tok
