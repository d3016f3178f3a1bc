// The tokenizer: loads a Hugging Face tokenizer.json (byte-level BPE: DeepSeek-V3/R1, Qwen,
// Llama-3) and encodes/decodes exactly as the `tokenizers` library does.
//
// Invalid UTF-8 policy: encode() replaces every ill-formed byte sequence by U+FFFD (as Python
// does with errors='replace') before anything else; decode() output is always valid UTF-8
// (bytes that do not form characters become U+FFFD, as Rust's from_utf8_lossy).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/added_vocab.h"
#include "tokenizer/bpe.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/prompt_text.h"

namespace r1 {

class Tokenizer {
 public:
  // dir_or_file: a directory holding tokenizer.json (and optionally tokenizer_config.json, read
  // for the BOS/EOS of LlamaTokenizerFast configs), the tokenizer.json path itself, or a GGUF
  // model file (its tokenizer.ggml.* metadata). IoError / FormatError.
  static Tokenizer load(const std::string& dir_or_file);
  // Builds from parsed documents; config may be null. source names the file in errors.
  static Tokenizer from_json(const Json& tokenizer, const Json& config, const std::string& source);

  // Thread-safe; each thread keeps its own BPE word cache, so threads do not contend. The text's
  // pieces stream through BPE one at a time: a huge text costs memory for its ids, not for a
  // list of its pieces.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const;
  // encode() of prompt.text where no added token (special or not) is matched inside a data range
  // nor across its edge: the bytes of data are tokenized as plain text (Hugging Face's
  // split_special_tokens=True), so message content cannot forge turn boundaries or tool calls.
  // The text between accepted added tokens is encoded exactly as encode() encodes it, so a prompt
  // whose data spells no added token gets encode(prompt.text) bit for bit.
  std::vector<int32_t> encode(const PromptText& prompt, bool add_special_tokens) const;
  // The same ids when there are at most max_tokens of them (special tokens included); nullopt as
  // soon as there are certainly more, after work that grows with max_tokens, not with the text.
  std::optional<std::vector<int32_t>> encode_at_most(const PromptText& prompt,
                                                     bool add_special_tokens,
                                                     size_t max_tokens) const;
  // encode() of every text on `threads` threads (<= 0: all cores), in order; the ids are those of
  // encode().
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                 bool add_special_tokens, int threads) const;
  // Throws r1::Error for an id that is neither in the vocab nor an added token.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  int32_t token_to_id(std::string_view token) const;  // -1 if none
  std::string id_to_token(int32_t id) const;          // "" if none
  int64_t vocab_size() const;                         // 1 + the largest id
  bool is_special(int32_t id) const;
  bool is_added(int32_t id) const { return added_.by_id(id) != nullptr; }  // special or not

  // The raw bytes one token stands for (possibly a partial UTF-8 character).
  std::string token_bytes(int32_t id) const;

 private:
  std::string source_;
  tok::Normalizer normalizer_;
  std::unique_ptr<tok::PreTokenizer> pre_;
  std::shared_ptr<tok::BpeModel> model_;
  tok::AddedVocabulary added_;
  tok::PostProcessor post_;
  void apply_llama_fast_bos_eos(const Json& config);
  void check_added_ids_match_vocab() const;
  void init_token_bounds();
  // The stages of encode(), appending to ids: the added tokens of the raw text (none inside
  // `data`, sorted disjoint byte ranges of text); then, between them, normalization and the
  // added tokens of normalized text; then pre-tokenization and BPE. Each returns false, with ids
  // partial, as soon as ids certainly end up longer than max_ids.
  bool encode_text(std::string_view text, std::span<const tok::Range> data, size_t max_ids,
                   std::vector<int32_t>& ids) const;
  bool encode_segment(std::string_view text, std::span<const tok::Range> data, size_t max_ids,
                      std::vector<int32_t>& ids) const;
  bool encode_words(std::string_view text, size_t max_ids, std::vector<int32_t>& ids) const;
  // A lower bound on the number of ids that n bytes reaching BPE give (0 when none is known).
  size_t min_tokens_of_bytes(size_t n) const;
  // How the pre-tokenizer's pieces reach BPE; kNone: through apply() on strings.
  tok::PreTokenizer::RangeMode range_mode_ = tok::PreTokenizer::RangeMode::kPlain;
  // The most bytes one id can stand for (an added token or a BPE token), 0 when unbounded.
  size_t max_bytes_per_token_ = 0;
  size_t post_added_ = 0;  // ids the post-processor adds

  bool byte_level_decoder_ = false;
};

// Incremental detokenization for streamed generation: push() returns only complete UTF-8
// characters and holds back the bytes of a character that later tokens may complete.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tok, bool skip_special_tokens = false)
      : tok_(&tok), skip_special_(skip_special_tokens) {}
  std::string push(int32_t id);
  std::string flush();  // whatever is held back (an incomplete character becomes U+FFFD)

 private:
  const Tokenizer* tok_;
  bool skip_special_;
  std::string pending_;
};

}  // namespace r1
