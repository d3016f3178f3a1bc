// SFT data: conversations or prompt-completion pairs as (tokens, loss mask) examples, from a
// tokenized .bin + .mask pair (`r1 data tokenize --chat / --prompt-completion`) or straight from
// SFT JSONL, packed one example per [T+1] row (truncated or padded) in sequential or seeded
// random order, and the trainer's BatchFiller over them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/batch_order.h"
#include "train/chat_data.h"
#include "train/trainer.h"

namespace r1 {

// The .mask file: one byte per token of the .bin file. Bit 0: the token is in the loss (an
// assistant token); bit 1: the token starts a conversation. Other bits are zero.
inline constexpr uint8_t kMaskLoss = 1;
inline constexpr uint8_t kMaskStart = 2;

// Appends one example to the two files' bytes: little-endian uint32 ids, mask bytes.
void append_sft_bytes(const ChatExample& ex, std::string& token_bytes, std::string& mask_bytes);

class SftDataset {
 public:
  explicit SftDataset(std::vector<ChatExample> examples);
  // FormatError naming the file: sizes that differ (tokens vs mask bytes), a mask byte with
  // other bits, a first token without the start bit, an id >= vocab_size, empty files.
  static SftDataset from_files(const std::string& bin_path, const std::string& mask_path,
                               int64_t vocab_size);
  // SFT JSONL (sft_jsonl.h) rendered with model_dir's tokenizer and, for chat records, its chat
  // template; the first record decides the format. FormatError "<path>:<line>: ..." for bad
  // lines or a record of the other format, or when the file has no record.
  static SftDataset from_jsonl(const std::string& path, const std::string& model_dir, int threads);

  size_t size() const { return examples_.size(); }
  const ChatExample& example(size_t i) const { return examples_[i]; }

  // The example a global row (batch_order.h) reads. Sequential: row mod size. Random: epoch
  // e = row / size reads a seeded shuffle of all examples (Fisher-Yates driven by
  // seeded_hash(seed ^ e, i)), so every epoch sees each conversation once.
  size_t example_index(const BatchSpec& spec, int64_t row) const;

  // Micro-batch `micro` of step `step`: tokens [B, T+1] and mask [B, T+1], one conversation per
  // row: its first T + 1 tokens, or all of them followed by pad_id with mask 0. mask[b][j] = 1
  // where token j is an assistant token, so target j (= tokens[b][j + 1]) is in the loss when
  // mask[b][j + 1] = 1. Not thread-safe (it caches the current epoch's shuffle).
  void fill_batch(const BatchSpec& spec, int64_t step, int64_t micro, int32_t pad_id,
                  int32_t* tokens, uint8_t* mask) const;

 private:
  std::vector<ChatExample> examples_;
  mutable int64_t perm_epoch_ = -1;
  mutable uint64_t perm_seed_ = 0;
  mutable std::vector<size_t> perm_;
};

// The trainer's batches from `data`: tokens [B, T+1] by fill_batch (pad id 0: padding follows
// an example's end and is masked, so only later padding sees it) and mask [B, T] where target t
// (token t + 1) is an assistant or completion token. The filler reads `data` by reference.
BatchFiller sft_batch_filler(const SftDataset& data, const BatchSpec& spec);

}  // namespace r1
