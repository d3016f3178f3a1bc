// Which training row a batch slot reads: the one definition of micro-batches, gradient
// accumulation and sequential/random order shared by the pretraining and SFT loaders.
#pragma once

#include <cstdint>
#include <string>

namespace r1 {

// Random: a row starts anywhere. Documents: a row starts where a document does (the file's
// first token or one after an end-of-document id), so every row reads a document from its
// beginning, as a prompt is read at inference; the documents are drawn as the random starts are.
enum class BatchOrder { Sequential, Random, Documents };

// "sequential" / "random" / "documents"; UsageError naming the value otherwise.
BatchOrder parse_batch_order(const std::string& name);
const char* batch_order_name(BatchOrder order);

struct BatchSpec {
  int64_t batch = 1;       // B: rows per micro-batch
  int64_t seq_len = 1;     // T: each row holds T + 1 tokens (inputs row[:T], targets row[1:])
  int64_t grad_accum = 1;  // A: micro-batches per optimizer step
  BatchOrder order = BatchOrder::Sequential;
  uint64_t seed = 0;
};

// The global index of row b of micro-batch m of step s: (s A + m) B + b. Micro-batches of one
// step are consecutive rows, so B with accumulation A reads exactly the rows of B*A without it.
int64_t global_row(const BatchSpec& spec, int64_t step, int64_t micro, int64_t b);

// A 64-bit hash of (seed, index) (splitmix64 of both): the random order is a pure function of
// the seed and the row, so a resumed run needs no generator state to continue identically.
uint64_t seeded_hash(uint64_t seed, uint64_t index);

}  // namespace r1
