// matmul / matmul_backward: f32 through linear() and the pool's sgemm, bf16 through gemm_bf16;
// every product counts 2 M N K FLOPs under its profile op.
#include "kernels/cpu/matmul.h"

#include "core/error.h"
#include "core/op_profile.h"
#include "kernels/cpu/gemm_bf16.h"
#include "kernels/cpu/linear_backward.h"

namespace r1 {

namespace {

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

void matmul(const float* x, int64_t T, const WeightMatrix& W, const float* bias, float* y,
            ComputeType compute, Threads threads) {
  const int64_t out = W.rows(), in = W.cols();
  const ProfileScope profile(ProfileOp::MatmulForward, product_flops(T, out, in));
  if (compute == ComputeType::F32) return linear(x, T, W, bias, y, threads);
  R1_ASSERT(W.w.dtype == DType::F32);
  gemm_bf16({x, in, false}, {W.w.f32(), in, /*transposed=*/true}, y, out, T, out, in);
  if (bias)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t o = 0; o < out; ++o) y[t * out + o] += bias[o];
}

void matmul_backward(const float* x, const float* dy, int64_t T, const WeightMatrix& W, float* dW,
                     float* db, float* dx, ComputeType compute) {
  R1_ASSERT(W.w.dtype == DType::F32);
  const int64_t out = W.rows(), in = W.cols();
  const float* w = W.w.f32();
  const bool bf16 = compute == ComputeType::BF16;
  if (dx) {
    const ProfileScope profile(ProfileOp::MatmulDx, product_flops(T, out, in));
    if (bf16) {
      gemm_bf16({dy, out, false}, {w, in, false}, dx, in, T, in, out, /*beta=*/1.0f);
    } else {
      gemm_f32(dy, w, dx, T, in, out, /*b_transposed=*/false, /*beta=*/1.0f);
    }
  }
  {
    const ProfileScope profile(ProfileOp::MatmulDw, product_flops(T, out, in));
    if (bf16) {
      gemm_bf16({dy, out, /*transposed=*/true}, {x, in, false}, dW, in, out, in, T, /*beta=*/1.0f);
    } else {
      linear_backward_weight(x, dy, T, in, out, dW);
    }
  }
  if (db) linear_backward_bias(dy, T, out, db);
}

}  // namespace r1
