// Random-weight checkpoints (`r1 init`): every tensor of weight_specs(c), seeded per tensor name
// so the values do not depend on sharding, in f32, f16, bf16 or FP8 (block-quantised projections).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"

namespace r1 {

enum class CheckpointDType { F32, F16, BF16, FP8 };

CheckpointDType checkpoint_dtype_from_name(
    const std::string& name);  // "f32" | "f16" | "bf16" | "fp8"

// Bytes the checkpoint will take on disk (and in memory while it is generated).
int64_t checkpoint_bytes(const ModelConfig& c, CheckpointDType dtype);

std::vector<std::pair<std::string, Tensor>> random_checkpoint_tensors(const ModelConfig& c,
                                                                      CheckpointDType dtype,
                                                                      uint64_t seed);

// FP8 block quantisation of w [out, in]: codes (F8_E4M3) and scale_inv [ceil(out/br), ceil(in/bc)]
// with scale_inv = max|block| / 448 (1 for an all-zero block).
std::pair<Tensor, Tensor> quantize_fp8_blocks(const Tensor& w, int64_t block_rows,
                                              int64_t block_cols);

}  // namespace r1
