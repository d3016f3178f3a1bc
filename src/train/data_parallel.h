// What data-parallel training checks across ranks.
#pragma once

#include "comm/comm.h"
#include "core/tensor.h"
#include "model/config.h"

namespace r1 {

// The ranks start from the same model: its config and every parameter bit (a fingerprint of
// each compared with rank 0's); a CommError naming the first rank that differs.
void check_ranks_start_alike(Comm& comm, const ModelConfig& c, const Tensor& params);

}  // namespace r1
