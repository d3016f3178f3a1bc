// Layer splits of a pipeline: stored bytes per layer, the balanced split (a small dynamic
// program over contiguous ranges) and the user's --pipeline-layers counts.
#include "infer/pipeline_plan.h"

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "infer/stored_weights.h"
#include "model/weight_specs.h"

namespace r1 {

ModelBytes model_bytes(const ModelConfig& c, const TensorSource& tensors) {
  ModelBytes b;
  b.layers.assign(size_t(c.num_hidden_layers), 0);
  for (const WeightSpec& spec : weight_specs(c)) {
    const int64_t layer = spec_layer(spec), bytes = stored_weight_bytes(tensors, spec);
    if (layer >= 0 && layer < c.num_hidden_layers) {
      b.layers[size_t(layer)] += bytes;
    } else {
      b.ends += bytes;
    }
  }
  return b;
}

ModelPart PipelinePlan::part(int rank) const {
  return {first[size_t(rank)], first[size_t(rank) + 1], rank == 0};
}

namespace {

PipelinePlan plan_of(const ModelBytes& b, const std::vector<int64_t>& first) {
  PipelinePlan p;
  p.first = first;
  for (size_t r = 0; r + 1 < first.size(); ++r) {
    int64_t bytes = r == 0 ? b.ends : 0;
    for (int64_t l = first[r]; l < first[r + 1]; ++l) bytes += b.layers[size_t(l)];
    p.bytes.push_back(bytes);
  }
  return p;
}

// best[k][j]: the smallest largest rank when ranks 0..k-1 hold layers 0..j-1, one or more each.
std::vector<int64_t> balanced_first(const ModelBytes& b, int ranks) {
  const size_t L = b.layers.size(), R = size_t(ranks);
  std::vector<int64_t> prefix(L + 1, 0);
  for (size_t l = 0; l < L; ++l) prefix[l + 1] = prefix[l] + b.layers[l];
  constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
  std::vector<std::vector<int64_t>> best(R + 1, std::vector<int64_t>(L + 1, kNone));
  std::vector<std::vector<size_t>> cut(R + 1, std::vector<size_t>(L + 1, 0));
  for (size_t j = 1; j <= L; ++j) best[1][j] = b.ends + prefix[j];
  for (size_t k = 2; k <= R; ++k)
    for (size_t j = k; j <= L; ++j)
      for (size_t i = k - 1; i < j; ++i) {
        const int64_t worst = std::max(best[k - 1][i], prefix[j] - prefix[i]);
        if (worst < best[k][j]) best[k][j] = worst, cut[k][j] = i;
      }
  std::vector<int64_t> first(R + 1, 0);
  first[R] = int64_t(L);
  for (size_t k = R, j = L; k > 1; --k) j = cut[k][j], first[k - 1] = int64_t(j);
  return first;
}

std::string counts_str(const std::vector<int64_t>& counts) {
  std::string s;
  for (int64_t n : counts) {
    if (!s.empty()) s += ',';
    s += std::to_string(n);
  }
  return s;
}

}  // namespace

std::string PipelinePlan::layer_counts() const {
  std::vector<int64_t> counts;
  for (size_t r = 0; r + 1 < first.size(); ++r) counts.push_back(first[r + 1] - first[r]);
  return counts_str(counts);
}

PipelinePlan plan_pipeline(const ModelBytes& b, int ranks, const std::vector<int64_t>& counts) {
  const int64_t L = int64_t(b.layers.size());
  if (ranks > L)
    throw UsageError("mpirun started " + std::to_string(ranks) + " ranks but the model has " +
                     std::to_string(L) + " decoder layers: a pipeline needs at least one layer " +
                     "per rank (run at most " + std::to_string(L) + " ranks)");
  if (counts.empty()) return plan_of(b, balanced_first(b, ranks));
  const std::string flag = "--pipeline-layers " + counts_str(counts);
  if (int64_t(counts.size()) != ranks)
    throw UsageError(flag + " gives layers to " + std::to_string(counts.size()) +
                     " ranks but the run has " + std::to_string(ranks) + " (mpirun -np sets it)");
  std::vector<int64_t> first{0};
  for (int64_t n : counts) first.push_back(first.back() + n);
  if (first.back() != L)
    throw UsageError(flag + " adds up to " + std::to_string(first.back()) +
                     " layers but the model has " + std::to_string(L));
  return plan_of(b, first);
}

std::vector<int64_t> parse_layer_counts(const std::string& flag) {
  std::vector<int64_t> counts;
  if (flag.empty()) return counts;
  size_t at = 0;
  for (;;) {
    const size_t comma = std::min(flag.find(',', at), flag.size());
    const std::string item = flag.substr(at, comma - at);
    const bool digits = !item.empty() && item.size() <= 9 &&
                        item.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoll(item) < 1)
      throw UsageError("--pipeline-layers '" + flag +
                       "': expected layers per rank as positive integers, e.g. 10,14");
    counts.push_back(std::stoll(item));
    if (comma == flag.size()) return counts;
    at = comma + 1;
  }
}

}  // namespace r1
