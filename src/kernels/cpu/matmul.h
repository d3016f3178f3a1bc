// The model's one dense entry: y = x W^T (+ b) for a weight in any stored dtype, and its backward,
// in an explicit compute type (f32, or bf16 operands with f32 sums as torch.autocast does).
// Every product is timed and counted by the op profile (core/op_profile.h).
#pragma once

#include <cstdint>
#include <string>

#include "core/weight_matrix.h"
#include "kernels/cpu/linear.h"

namespace r1 {

enum class ComputeType { F32, BF16 };

const char* compute_type_name(ComputeType t);             // "f32" | "bf16"
ComputeType parse_compute_type(const std::string& name);  // UsageError naming --compute

// x: [T, in], W: [out, in], bias: [out] or nullptr, y: [T, out] (overwritten). F32: linear()
// (GEMV for a few rows, quantised GEMM, sgemm). BF16 (W must be f32): gemm_bf16, only the
// operands rounded.
void matmul(const float* x, int64_t T, const WeightMatrix& W, const float* bias, float* y,
            ComputeType compute, Threads threads = Threads::Pool);

// Backward of matmul for an f32 W, each ADDED to its buffer: dx [T, in] += dy W (dx may be
// nullptr: not needed), dW [out, in] += dy^T x, db [out] += sum over rows of dy (nullptr: no
// bias). dy: [T, out].
void matmul_backward(const float* x, const float* dy, int64_t T, const WeightMatrix& W, float* dW,
                     float* db, float* dx, ComputeType compute);

}  // namespace r1
