// The BPE model of tokenizer.json: vocabulary, merge ranks keyed by the pair of token ids, and
// per-piece merging in O(n log n) with a priority queue over a linked list of symbols.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/json_file.h"
#include "tokenizer/merge_table.h"
#include "tokenizer/word_cache.h"

namespace r1::tok {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using VocabMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class BpeModel {
 public:
  // j is the "model" value; source names the file in errors.
  static BpeModel parse(const Json& j, const std::string& source);

  BpeModel();
  BpeModel(BpeModel&& o) noexcept = default;
  BpeModel& operator=(BpeModel&& o) noexcept = default;

  // Appends the ids of one pre-tokenized piece. Thread-safe: results are memoized in a cache per
  // thread and model (no locks on a hit), backed by one the threads share.
  void encode_piece(std::string_view piece, std::vector<int32_t>& out) const;
  // The same as encode_piece(to_byte_level(raw), out) without building the byte-level string:
  // each raw byte starts as the vocab id of its byte-level symbol. Thread-safe.
  void encode_byte_level_piece(std::string_view raw, std::vector<int32_t>& out) const;

  // The most bytes of a piece that one token of encode_byte_level_piece (byte_level) or
  // encode_piece can stand for, so that a piece of n bytes gives at least n / this many tokens;
  // 0 where there is no such bound (a fused unk token stands for any number of characters, and
  // characters missing from a vocab without unk token vanish).
  size_t max_piece_bytes_per_token(bool byte_level) const;

  int32_t token_to_id(std::string_view token) const;  // -1 if none
  const std::string* id_to_token(int32_t id) const;   // nullptr if none
  int64_t size() const { return int64_t(id_to_token_.size()); }

 private:
  struct Symbol {
    int32_t id, prev, next;
  };
  // A model's pieces and its raw byte-level pieces are cached apart.
  template <typename Compute>
  void memoized(std::string_view key, bool byte_level, std::vector<int32_t>& out,
                Compute compute) const;
  void push_symbol(int32_t id, std::vector<Symbol>& sym) const;
  void merge(std::vector<Symbol>& sym, std::vector<int32_t>& out) const;
  void merge_chars(std::string_view piece, std::vector<int32_t>& out) const;
  void merge_bytes(std::string_view raw, std::vector<int32_t>& out) const;

  VocabMap vocab_;
  std::vector<std::string> id_to_token_;  // "" for ids the vocab does not use
  std::vector<bool> id_used_;
  MergeTable merges_;
  std::array<int32_t, 256> byte_ids_{};  // id of each byte's byte-level symbol, -1 if none
  bool ignore_merges_ = false;
  int32_t unk_id_ = -1;
  bool fuse_unk_ = false;
  // [byte_level]; behind a pointer because its locks cannot move with the model.
  std::unique_ptr<std::array<SharedWordCache, 2>> shared_;
  uint64_t uid_;  // names this model's per-thread caches; never reused within a process
};

}  // namespace r1::tok
