// The BPE model of tokenizer.json: vocabulary, merge ranks keyed by the pair of token ids, and
// per-piece merging in O(n log n) with a priority queue over a linked list of symbols.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/json_file.h"

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

  BpeModel() = default;
  BpeModel(BpeModel&& o) noexcept;
  BpeModel& operator=(BpeModel&& o) noexcept;

  // Appends the ids of one pre-tokenized piece. Thread-safe (the cache is locked).
  void encode_piece(std::string_view piece, std::vector<int32_t>& out) const;

  int32_t token_to_id(std::string_view token) const;  // -1 if none
  const std::string* id_to_token(int32_t id) const;   // nullptr if none
  int64_t size() const { return int64_t(id_to_token_.size()); }

 private:
  struct Merge {
    int32_t rank, new_id;
  };
  void merge_word(std::string_view piece, std::vector<int32_t>& out) const;

  VocabMap vocab_;
  std::vector<std::string> id_to_token_;  // "" for ids the vocab does not use
  std::vector<bool> id_used_;
  std::unordered_map<uint64_t, Merge> merges_;
  bool ignore_merges_ = false;
  int32_t unk_id_ = -1;
  bool fuse_unk_ = false;

  static constexpr size_t kCacheMaxEntries = 1 << 16;
  static constexpr size_t kCacheMaxPieceBytes = 256;
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> cache_;
};

}  // namespace r1::tok
