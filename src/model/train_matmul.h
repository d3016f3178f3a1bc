// The dense products of the training forward and backward (x W^T, dy W, dy^T x) in one place:
// each runs in the compute type of the innermost ComputeScope (f32 sgemm, or gemm_bf16 with f32
// accumulation) and is timed and counted by the op profile (core/op_profile.h).
#pragma once

#include <cstdint>
#include <string>

namespace r1 {

enum class ComputeType { F32, BF16 };

const char* compute_type_name(ComputeType t);             // "f32" | "bf16"
ComputeType parse_compute_type(const std::string& name);  // UsageError naming --compute

// Like torch.autocast: the training matmuls this thread starts while the scope lives run in
// `type`; scopes nest (the innermost wins, the outer one is restored at its end). Outside any
// scope they are f32. Only the operands are rounded: activations, gradients and the weights
// themselves stay f32.
class ComputeScope {
 public:
  explicit ComputeScope(ComputeType type);
  ~ComputeScope();
  ComputeScope(const ComputeScope&) = delete;
  ComputeScope& operator=(const ComputeScope&) = delete;

 private:
  ComputeType outer_;
};

ComputeType current_compute_type();

// y [T, out] = x [T, in] W^T with W [out, in].
void train_matmul_forward(const float* x, const float* W, float* y, int64_t T, int64_t out,
                          int64_t in);
// dx [T, in] += dy [T, out] W.
void train_matmul_dx(const float* dy, const float* W, float* dx, int64_t T, int64_t out,
                     int64_t in);
// dW [out, in] += dy^T x with dy [T, out], x [T, in].
void train_matmul_dw(const float* dy, const float* x, float* dW, int64_t T, int64_t out,
                     int64_t in);

}  // namespace r1
