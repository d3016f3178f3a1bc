// How a pipeline splits a model's decoder layers across ranks: contiguous ranges balanced by the
// bytes each rank maps (rank 0 also maps the embedding, the final norm, the head and the MTP
// layers), or the layer counts a user gives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/tensor_source.h"
#include "model/weights.h"

namespace r1 {

// The stored bytes of a model's parts, as its tensor source holds them (metadata only).
struct ModelBytes {
  std::vector<int64_t> layers;  // [L] each decoder layer's
  int64_t ends = 0;             // embedding, final norm, head and MTP layers
};
ModelBytes model_bytes(const ModelConfig& c, const TensorSource& tensors);

struct PipelinePlan {
  std::vector<int64_t> first;  // [ranks + 1]: rank r holds layers [first[r], first[r + 1])
  std::vector<int64_t> bytes;  // [ranks]: what each rank maps

  // Rank r's part of the model (rank 0's with the ends).
  ModelPart part(int rank) const;
  // Layers per rank as --pipeline-layers writes them: "10,14".
  std::string layer_counts() const;
};

// The split of `counts` (layers per rank, "--pipeline-layers 10,14") or, when it is empty, the
// contiguous split with at least one layer per rank whose largest rank maps the fewest bytes.
// UsageError for more ranks than layers, and for counts that do not give each of `ranks` ranks
// at least one layer and every layer to one rank.
PipelinePlan plan_pipeline(const ModelBytes& bytes, int ranks, const std::vector<int64_t>& counts);

// "10,14" as layer counts; UsageError naming the flag for anything but positive integers.
std::vector<int64_t> parse_layer_counts(const std::string& flag);

}  // namespace r1
