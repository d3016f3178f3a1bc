// Row indexing and the counter-based hash behind the random orders.
#include "train/batch_order.h"

#include "core/error.h"

namespace r1 {

BatchOrder parse_batch_order(const std::string& name) {
  if (name == "sequential") return BatchOrder::Sequential;
  if (name == "random") return BatchOrder::Random;
  if (name == "documents") return BatchOrder::Documents;
  throw UsageError("--data-order: unknown order " + quote_untrusted(name) +
                   ", expected sequential, random or documents");
}

const char* batch_order_name(BatchOrder order) {
  switch (order) {
    case BatchOrder::Sequential:
      return "sequential";
    case BatchOrder::Random:
      return "random";
    case BatchOrder::Documents:
      return "documents";
  }
  return "?";
}

int64_t global_row(const BatchSpec& spec, int64_t step, int64_t micro, int64_t b) {
  return (step * spec.grad_accum + micro) * spec.batch + b;
}

namespace {
uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

uint64_t seeded_hash(uint64_t seed, uint64_t index) {
  return splitmix64(splitmix64(seed) ^ index);
}

}  // namespace r1
