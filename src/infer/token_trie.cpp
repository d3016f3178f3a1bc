// Building the vocabulary trie: the tokens' bytes sorted, then laid out depth first.
#include "infer/token_trie.h"

#include <algorithm>
#include <utility>

#include "core/error.h"

namespace r1 {

TokenTrie::TokenTrie(const Tokenizer& tok) {
  std::vector<std::pair<std::string, int32_t>> entries;
  const int64_t V = tok.vocab_size();
  for (int64_t id = 0; id < V; ++id) {
    std::string bytes;
    try {
      bytes = tok.token_bytes(int32_t(id));
    } catch (const Error&) {
      continue;  // a gap in the ids
    }
    if (bytes.empty()) continue;
    const bool added = tok.is_added(int32_t(id));
    if (added && !tok.is_special(int32_t(id))) {
      if (bytes == "<think>") think_open = int32_t(id);
      if (bytes == "</think>") think_close = int32_t(id);
    }
    if (!tok.is_special(int32_t(id))) {
      const size_t gt = bytes.find('>');
      if (gt != std::string::npos && gt + 1 < bytes.size()) inner_gt.emplace_back(int32_t(id), bytes);
    }
    if (!added) entries.emplace_back(std::move(bytes), int32_t(id));
  }
  std::sort(entries.begin(), entries.end());

  // path[d]: the node at depth d + 1 on the path of the previous token.
  std::vector<uint32_t> path;
  const std::string* previous = nullptr;
  for (const auto& [bytes, id] : entries) {
    size_t common = 0;
    if (previous)
      while (common < previous->size() && common < bytes.size() &&
             (*previous)[common] == bytes[common])
        ++common;
    for (size_t d = common; d < path.size(); ++d) nodes_[path[d]].end = uint32_t(nodes_.size());
    path.resize(common);
    for (size_t d = common; d < bytes.size(); ++d) {
      path.push_back(uint32_t(nodes_.size()));
      nodes_.push_back({0, 0, 0, uint16_t(std::min<size_t>(d + 1, UINT16_MAX)),
                        uint8_t(bytes[d])});
    }
    Node& last = nodes_[path.back()];
    if (last.first_token == last.last_token) last.first_token = uint32_t(tokens_.size());
    tokens_.push_back(id);
    last.last_token = uint32_t(tokens_.size());
    max_depth_ = std::max(max_depth_, bytes.size());
    previous = &bytes;
  }
  for (uint32_t n : path) nodes_[n].end = uint32_t(nodes_.size());
  if (think_open < 0) think_open = tok.token_to_id("<think>");
  if (think_close < 0) think_close = tok.token_to_id("</think>");
  if (think_open >= 0 && tok.token_bytes(think_open) != "<think>") think_open = -1;
  if (think_close >= 0 && tok.token_bytes(think_close) != "</think>") think_close = -1;
}

std::vector<int32_t> TokenTrie::prefixes_of(std::string_view text) const {
  std::vector<int32_t> out;
  uint32_t begin = 0, end = uint32_t(nodes_.size());
  for (unsigned char c : text) {
    uint32_t i = begin;
    while (i < end && nodes_[i].byte != c) i = nodes_[i].end;
    if (i >= end) break;
    for (uint32_t t = nodes_[i].first_token; t < nodes_[i].last_token; ++t)
      out.push_back(tokens_[t]);
    begin = i + 1, end = nodes_[i].end;
  }
  return out;
}

std::shared_ptr<const TokenTrie> LazyTokenTrie::get(const Tokenizer& tokenizer) const {
  std::lock_guard<std::mutex> lock(slot_->mutex);
  if (!slot_->trie) slot_->trie = std::make_shared<const TokenTrie>(tokenizer);
  return slot_->trie;
}

}  // namespace r1
