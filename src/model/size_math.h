// Size math of a model: parameters (total, active per token, MTP), weight bytes read per
// decoded token and KV-cache bytes per token.
#pragma once

#include <cstdint>
#include <functional>

#include "model/config.h"
#include "model/weight_specs.h"

namespace r1 {

struct SizeReport {
  int64_t params_total = 0;     // main model (embedding and head included, MTP excluded)
  int64_t params_active = 0;    // per token: everything but the E-K unused routed experts
  int64_t params_mtp = 0;       // the MTP layers
  int64_t params_matmul = 0;    // per token, multiplied by a matrix (2 ops each): the active
                                // projections, router and head, not the embedding lookup
  int64_t weight_bytes = 0;     // main model as stored
  int64_t bytes_per_token = 0;  // weights read to decode one token (one embedding row, K experts)
  int64_t kv_bytes_per_token = 0;
};

// stored_bytes: bytes one tensor takes as stored (dtype x numel, plus FP8 scales).
SizeReport size_report(const ModelConfig& c,
                       const std::function<int64_t(const WeightSpec&)>& stored_bytes);

}  // namespace r1
