// BPE vocabulary/merges loading and the merge loop (the same order as Hugging Face's: always the
// lowest-rank pair, leftmost first among equal ranks).
#include "tokenizer/bpe.h"

#include <queue>

#include "core/error.h"
#include "tokenizer/utf8.h"

namespace r1::tok {

namespace {

uint64_t pair_key(int32_t a, int32_t b) {
  return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
}

std::string opt_string(const Json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (!j[key].is_string()) throw FormatError(where + ": \"" + key + "\" must be a string or null");
  return j[key].get<std::string>();
}

}  // namespace

BpeModel::BpeModel(BpeModel&& o) noexcept {
  *this = std::move(o);
}

BpeModel& BpeModel::operator=(BpeModel&& o) noexcept {
  vocab_ = std::move(o.vocab_);
  id_to_token_ = std::move(o.id_to_token_);
  id_used_ = std::move(o.id_used_);
  merges_ = std::move(o.merges_);
  ignore_merges_ = o.ignore_merges_;
  unk_id_ = o.unk_id_;
  fuse_unk_ = o.fuse_unk_;
  return *this;
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
    m.id_to_token_[size_t(id)] = tok;
    m.id_used_[size_t(id)] = true;
  }
  const std::string unk = opt_string(j, "unk_token", where);
  if (!unk.empty()) m.unk_id_ = m.token_to_id(unk);

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
    m.merges_.emplace(pair_key(ia, ib), Merge{rank, inew});  // first (lowest) rank wins
    ++rank;
  }
  return m;
}

int32_t BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || size_t(id) >= id_to_token_.size() || !id_used_[size_t(id)]) return nullptr;
  return &id_to_token_[size_t(id)];
}

void BpeModel::encode_piece(std::string_view piece, std::vector<int32_t>& out) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    const int32_t id = token_to_id(piece);
    if (id >= 0) return out.push_back(id);
  }
  const bool cacheable = piece.size() <= kCacheMaxPieceBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(piece);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t mark = out.size();
  merge_word(piece, out);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (cache_.size() >= kCacheMaxEntries) cache_.clear();
    cache_.emplace(std::string(piece), std::vector<int32_t>(out.begin() + long(mark), out.end()));
  }
}

void BpeModel::merge_word(std::string_view piece, std::vector<int32_t>& out) const {
  struct Symbol {
    int32_t id;
    int32_t prev, next;
    bool alive;
  };
  std::vector<Symbol> sym;
  sym.reserve(piece.size());
  // One symbol per character; characters missing from the vocab become unk (fused if asked)
  // or are dropped when there is no unk token, as Hugging Face does.
  for (size_t i = 0; i < piece.size();) {
    const size_t start = i;
    const size_t n = utf8_valid_len(piece, i);
    i += n ? n : 1;
    int32_t id = token_to_id(piece.substr(start, i - start));
    if (id < 0) {
      if (unk_id_ < 0) continue;
      if (fuse_unk_ && !sym.empty() && sym.back().id == unk_id_) continue;
      id = unk_id_;
    }
    sym.push_back({id, int32_t(sym.size()) - 1, int32_t(sym.size()) + 1, true});
  }
  if (sym.empty()) return;
  sym.back().next = -1;

  struct Cand {
    int32_t rank, pos, new_id;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> queue;
  auto push = [&](int32_t pos) {
    const int32_t nxt = sym[size_t(pos)].next;
    if (nxt < 0) return;
    auto it = merges_.find(pair_key(sym[size_t(pos)].id, sym[size_t(nxt)].id));
    if (it != merges_.end()) queue.push({it->second.rank, pos, it->second.new_id});
  };
  for (int32_t p = 0; p + 1 < int32_t(sym.size()); ++p) push(p);
  while (!queue.empty()) {
    const Cand c = queue.top();
    queue.pop();
    Symbol& left = sym[size_t(c.pos)];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = sym[size_t(left.next)];
    auto it = merges_.find(pair_key(left.id, right.id));
    if (it == merges_.end() || it->second.rank != c.rank || it->second.new_id != c.new_id)
      continue;  // stale: one side changed since this candidate was queued
    left.id = c.new_id;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) sym[size_t(right.next)].prev = c.pos;
    if (left.prev >= 0) push(left.prev);
    push(c.pos);
  }
  for (int32_t p = 0; p >= 0; p = sym[size_t(p)].next) out.push_back(sym[size_t(p)].id);
}

}  // namespace r1::tok
