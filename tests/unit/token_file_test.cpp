// The pretraining token file: validation errors, the sequential row definition with wrapping,
// gradient accumulation reading the rows of the larger batch, the seeded random order.
#include "train/token_file.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/error.h"
#include "io_test_util.h"
#include "test_util.h"

namespace r1 {
namespace {

std::string write_tokens(const std::string& dir, const std::vector<uint32_t>& ids) {
  std::string bytes;
  for (uint32_t id : ids)
    for (int k = 0; k < 4; ++k) bytes.push_back(char((id >> (8 * k)) & 0xff));
  const std::string path = dir + "/tokens.bin";
  testing::write_bytes(path, bytes);
  return path;
}

std::vector<uint32_t> iota_ids(uint32_t n) {
  std::vector<uint32_t> ids(n);
  for (uint32_t i = 0; i < n; ++i) ids[i] = i;
  return ids;
}

TEST(TokenFile, SequentialRowsFollowTheIssueDefinitionAndWrap) {
  const std::string dir = test::make_temp_dir("token_file");
  const TokenFile f = TokenFile::open(write_tokens(dir, iota_ids(10)), 10);
  EXPECT_EQ(f.size(), 10);
  BatchSpec spec;
  spec.batch = 2;
  spec.seq_len = 3;
  std::vector<int32_t> t(8);
  f.fill_batch(spec, 0, 0, t.data());
  EXPECT_EQ(t, (std::vector<int32_t>{0, 1, 2, 3, 3, 4, 5, 6}));
  f.fill_batch(spec, 1, 0, t.data());  // rows 2, 3 start at 6 and 9: the second wraps
  EXPECT_EQ(t, (std::vector<int32_t>{6, 7, 8, 9, 9, 0, 1, 2}));
  f.fill_batch(spec, 1000000000000, 0, t.data());  // (s B + b) T mod 10 without overflow
  EXPECT_EQ(t[0], 0);
}

TEST(TokenFile, AccumulatedMicroBatchesReadTheRowsOfTheLargerBatch) {
  const std::string dir = test::make_temp_dir("token_file_accum");
  const TokenFile f = TokenFile::open(write_tokens(dir, iota_ids(97)), 97);
  for (BatchOrder order : {BatchOrder::Sequential, BatchOrder::Random}) {
    BatchSpec big, small;
    big.batch = 6;
    big.seq_len = small.seq_len = 5;
    small.batch = 2;
    small.grad_accum = 3;
    big.order = small.order = order;
    big.seed = small.seed = 42;
    for (int64_t step = 0; step < 4; ++step) {
      std::vector<int32_t> want(6 * 6), got;
      f.fill_batch(big, step, 0, want.data());
      for (int64_t m = 0; m < 3; ++m) {
        std::vector<int32_t> part(2 * 6);
        f.fill_batch(small, step, m, part.data());
        got.insert(got.end(), part.begin(), part.end());
      }
      EXPECT_EQ(got, want) << batch_order_name(order) << " step " << step;
    }
  }
}

TEST(TokenFile, RandomOrderIsSeededAndCoversTheFile) {
  const std::string dir = test::make_temp_dir("token_file_random");
  const TokenFile f = TokenFile::open(write_tokens(dir, iota_ids(50)), 50);
  BatchSpec spec;
  spec.batch = 4;
  spec.seq_len = 2;
  spec.order = BatchOrder::Random;
  spec.seed = 7;
  std::vector<int32_t> a(12), b(12), c(12);
  f.fill_batch(spec, 3, 0, a.data());
  f.fill_batch(spec, 3, 0, b.data());
  EXPECT_EQ(a, b);  // a pure function of (seed, step): what --resume relies on
  spec.seed = 8;
  f.fill_batch(spec, 3, 0, c.data());
  EXPECT_NE(a, c);
  std::set<int64_t> starts;
  for (int64_t r = 0; r < 2000; ++r) starts.insert(f.row_start(spec, r));
  EXPECT_EQ(starts.size(), 50u);
  for (int64_t r = 0; r < 4; ++r) EXPECT_EQ((a[size_t(3 * r + 1)] - a[size_t(3 * r)] + 50) % 50, 1);
}

TEST(TokenFile, DocumentsOrderStartsEveryRowAtADocumentStart) {
  const std::string dir = test::make_temp_dir("token_file_documents");
  // Documents [1 2 9] [3 9] [4 5 6 9] [7 8 9], 9 ending each.
  TokenFile f = TokenFile::open(write_tokens(dir, {1, 2, 9, 3, 9, 4, 5, 6, 9, 7, 8, 9}), 10);
  f.index_documents(9);
  EXPECT_EQ(f.documents(), 4);  // the final 9 starts nothing
  BatchSpec spec;
  spec.batch = 4;
  spec.seq_len = 3;
  spec.order = BatchOrder::Documents;
  spec.seed = 5;
  std::map<int32_t, int> firsts;  // a row's first token -> rows
  for (int64_t step = 0; step < 100; ++step) {
    std::vector<int32_t> t(16);
    f.fill_batch(spec, step, 0, t.data());
    for (int64_t b = 0; b < 4; ++b) {
      const int32_t first = t[size_t(4 * b)];
      ++firsts[first];
      const std::vector<int32_t> row(t.begin() + 4 * b, t.begin() + 4 * b + 4);
      if (first == 3) {
        EXPECT_EQ(row, (std::vector<int32_t>{3, 9, 4, 5}));  // on into the next document
      } else if (first == 7) {
        EXPECT_EQ(row, (std::vector<int32_t>{7, 8, 9, 1}));  // wrapping to the file's start
      }
    }
  }
  EXPECT_EQ(firsts.size(), 4u);  // rows start at 1, 3, 4 and 7 only, each drawn often
  for (const auto& [first, rows] : firsts) EXPECT_GT(rows, 60) << "document starting " << first;
  std::vector<int32_t> a(16), b(16);
  f.fill_batch(spec, 7, 0, a.data());
  f.fill_batch(spec, 7, 0, b.data());
  EXPECT_EQ(a, b);  // seeded like the random order, so a resumed run continues identically
}

TEST(TokenFile, DocumentsOrderNeedsMoreThanOneDocument) {
  const std::string dir = test::make_temp_dir("token_file_one_document");
  TokenFile f = TokenFile::open(write_tokens(dir, {1, 2, 3, 9}), 10);
  testing::expect_error<FormatError>([&] { f.index_documents(9); },
                                     {"tokens.bin", "no end-of-document token (id 9)"});
}

TEST(TokenFile, BadFilesNameTheFileAndTheProblem) {
  const std::string dir = test::make_temp_dir("token_file_bad");
  testing::write_bytes(dir + "/empty.bin", "");
  testing::expect_error<FormatError>([&] { TokenFile::open(dir + "/empty.bin", 10); },
                                     {"empty.bin", "empty"});
  testing::write_bytes(dir + "/odd.bin", std::string(6, '\0'));
  testing::expect_error<FormatError>([&] { TokenFile::open(dir + "/odd.bin", 10); },
                                     {"odd.bin", "6 bytes", "multiple of 4"});
  std::vector<uint32_t> ids = iota_ids(300000);
  const std::string big = write_tokens(dir, ids);
  testing::expect_error<FormatError>(
      [&] { TokenFile::open(big, 200000); },
      {"tokens.bin", "token 200000 is id 200000", "vocab_size 200000"});
  testing::expect_error<IoError>([&] { TokenFile::open(dir + "/missing.bin", 10); },
                                 {"missing.bin"});
}

}  // namespace
}  // namespace r1
