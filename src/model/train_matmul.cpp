// The training matmuls: f32 through the pool's sgemm (linear.h, linear_backward.h), bf16 through
// gemm_bf16; every product counts 2 M N K FLOPs under its profile op.
#include "model/train_matmul.h"

#include "core/error.h"
#include "core/op_profile.h"
#include "kernels/cpu/gemm_bf16.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/linear_backward.h"

namespace r1 {

namespace {

thread_local ComputeType t_compute = ComputeType::F32;

double product_flops(int64_t T, int64_t out, int64_t in) {
  return 2.0 * double(T) * double(out) * double(in);
}

}  // namespace

const char* compute_type_name(ComputeType t) {
  return t == ComputeType::BF16 ? "bf16" : "f32";
}

ComputeType parse_compute_type(const std::string& name) {
  if (name == "f32") return ComputeType::F32;
  if (name == "bf16") return ComputeType::BF16;
  throw UsageError("--compute: unknown compute type " + quote_untrusted(name) +
                   ", expected f32 or bf16");
}

ComputeScope::ComputeScope(ComputeType type) : outer_(t_compute) {
  t_compute = type;
}
ComputeScope::~ComputeScope() {
  t_compute = outer_;
}

ComputeType current_compute_type() {
  return t_compute;
}

void train_matmul_forward(const float* x, const float* W, float* y, int64_t T, int64_t out,
                          int64_t in) {
  const ProfileScope profile(ProfileOp::MatmulForward, product_flops(T, out, in));
  if (t_compute == ComputeType::BF16) {
    gemm_bf16({x, in, false}, {W, in, /*transposed=*/true}, y, out, T, out, in);
  } else {
    gemm_f32(x, W, y, T, out, in, /*b_transposed=*/true);
  }
}

void train_matmul_dx(const float* dy, const float* W, float* dx, int64_t T, int64_t out,
                     int64_t in) {
  const ProfileScope profile(ProfileOp::MatmulDx, product_flops(T, out, in));
  if (t_compute == ComputeType::BF16) {
    gemm_bf16({dy, out, false}, {W, in, false}, dx, in, T, in, out, /*beta=*/1.0f);
  } else {
    gemm_f32(dy, W, dx, T, in, out, /*b_transposed=*/false, /*beta=*/1.0f);
  }
}

void train_matmul_dw(const float* dy, const float* x, float* dW, int64_t T, int64_t out,
                     int64_t in) {
  const ProfileScope profile(ProfileOp::MatmulDw, product_flops(T, out, in));
  if (t_compute == ComputeType::BF16) {
    gemm_bf16({dy, out, /*transposed=*/true}, {x, in, false}, dW, in, out, in, T, /*beta=*/1.0f);
  } else {
    linear_backward_weight(x, dy, T, in, out, dW);
  }
}

}  // namespace r1
