// FLOPs of training one token (forward + backward), for MFU and throughput reports: 6 per
// matmul weight the token passes through plus the causal attention products.
#pragma once

#include <cstdint>

#include "model/config.h"

namespace r1 {

struct TrainFlops {
  double matmul = 0.0;     // 6 * weights multiplied per token (K of E routed experts, the head)
  double attention = 0.0;  // 6 * (q.k + p.v) multiply-adds per token, causal mean over seq_len
  double total() const { return matmul + attention; }
};

// Per token of sequences seq_len long; with_mtp counts the MTP layers (trained when
// mtp_lambda > 0). Embedding lookups are not FLOPs.
TrainFlops train_flops_per_token(const ModelConfig& c, int64_t seq_len, bool with_mtp);

}  // namespace r1
