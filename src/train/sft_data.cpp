// SFT examples: the .bin/.mask pair split at conversation starts, SFT JSONL, row packing.
#include "train/sft_data.h"

#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "core/mapped_file.h"
#include "train/sft_jsonl.h"
#include "train/token_file.h"

namespace r1 {

void append_sft_bytes(const ChatExample& ex, std::string& token_bytes, std::string& mask_bytes) {
  for (size_t i = 0; i < ex.tokens.size(); ++i) {
    const uint32_t id = uint32_t(ex.tokens[i]);
    for (int k = 0; k < 4; ++k) token_bytes.push_back(char((id >> (8 * k)) & 0xff));
    mask_bytes.push_back(char((ex.mask[i] ? kMaskLoss : 0) | (i == 0 ? kMaskStart : 0)));
  }
}

SftDataset::SftDataset(std::vector<ChatExample> examples) : examples_(std::move(examples)) {
  R1_ASSERT(!examples_.empty());
}

SftDataset SftDataset::from_files(const std::string& bin_path, const std::string& mask_path,
                                  int64_t vocab_size) {
  const TokenFile tokens = TokenFile::open(bin_path, vocab_size);
  const std::shared_ptr<MappedFile> mask = MappedFile::open(mask_path);
  if (int64_t(mask->size()) != tokens.size())
    throw FormatError(mask_path + ": " + std::to_string(mask->size()) + " mask bytes for " +
                      std::to_string(tokens.size()) + " tokens in " + bin_path +
                      " (expected one byte per token)");
  std::vector<ChatExample> examples;
  for (int64_t i = 0; i < tokens.size(); ++i) {
    const uint8_t m = mask->data()[i];
    if (m & ~(kMaskLoss | kMaskStart))
      throw FormatError(mask_path + ": byte " + std::to_string(i) + " is " + std::to_string(m) +
                        ", expected bit 0 (loss) and bit 1 (conversation start) only");
    if (m & kMaskStart) examples.emplace_back();
    if (examples.empty())
      throw FormatError(mask_path + ": the first token does not start a conversation (bit 1)");
    examples.back().tokens.push_back(int32_t(tokens.at(i)));
    examples.back().mask.push_back(m & kMaskLoss);
  }
  return SftDataset(std::move(examples));
}

SftDataset SftDataset::from_jsonl(const std::string& path, const std::string& model_dir,
                                  int threads) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  if (in.bad()) throw IoError(path + ": read error");
  const std::optional<SftFormatRule> rule = detect_sft_format(lines, path, 1);
  if (!rule) throw FormatError(path + ": no records");
  const SftModelText model = load_sft_model_text(model_dir, rule->format);
  return SftDataset(render_sft_lines(lines, path, 1, *rule, model.renderer(), threads));
}

size_t SftDataset::example_index(const BatchSpec& spec, int64_t row) const {
  const size_t n = examples_.size();
  if (spec.order == BatchOrder::Sequential) return size_t(row) % n;
  const int64_t epoch = row / int64_t(n);
  if (epoch != perm_epoch_ || spec.seed != perm_seed_) {
    perm_.resize(n);
    for (size_t i = 0; i < n; ++i) perm_[i] = i;
    for (size_t i = n - 1; i > 0; --i)
      std::swap(perm_[i], perm_[seeded_hash(spec.seed ^ uint64_t(epoch), i) % (i + 1)]);
    perm_epoch_ = epoch;
    perm_seed_ = spec.seed;
  }
  return perm_[size_t(row) % n];
}

void SftDataset::fill_batch(const BatchSpec& spec, int64_t step, int64_t micro, int32_t pad_id,
                            int32_t* tokens, uint8_t* mask) const {
  const int64_t width = spec.seq_len + 1;
  for (int64_t b = 0; b < spec.batch; ++b) {
    const ChatExample& ex = examples_[example_index(spec, global_row(spec, step, micro, b))];
    const int64_t n = std::min<int64_t>(width, int64_t(ex.tokens.size()));
    int32_t* row = tokens + b * width;     // [T+1]
    uint8_t* row_mask = mask + b * width;  // [T+1]
    std::copy_n(ex.tokens.begin(), n, row);
    std::copy_n(ex.mask.begin(), n, row_mask);
    std::fill(row + n, row + width, pad_id);
    std::fill(row_mask + n, row_mask + width, uint8_t(0));
  }
}

BatchFiller sft_batch_filler(const SftDataset& data, const BatchSpec& spec) {
  std::vector<uint8_t> row_mask;  // [B, T + 1] assistant-token flags, reused across batches
  return [&data, spec, row_mask](int64_t step, int64_t micro, TrainBatch& b) mutable {
    b.tokens.resize(size_t(b.B * (b.T + 1)));
    row_mask.resize(b.tokens.size());
    data.fill_batch(spec, step, micro, 0, b.tokens.data(), row_mask.data());
    b.mask.resize(size_t(b.B * b.T));
    for (int64_t r = 0; r < b.B; ++r)
      for (int64_t t = 0; t < b.T; ++t)
        b.mask[size_t(r * b.T + t)] = row_mask[size_t(r * (b.T + 1) + t + 1)];
  };
}

}  // namespace r1
