// SwiGLU MLP training pair: three f32 linears around silu_mul, its backward reversed.
#include "model/mlp_train.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"

namespace r1 {

void mlp_train_forward(const MlpParams& p, const float* x, int64_t T, MlpActivations& acts,
                       float* y) {
  const int64_t inter = p.gate.out;
  acts.gate = Tensor::zeros(DType::F32, {T, inter});
  acts.up = Tensor::zeros(DType::F32, {T, inter});
  acts.hidden = Tensor::zeros(DType::F32, {T, inter});
  linear_params_forward(p.gate, x, T, acts.gate.f32());
  linear_params_forward(p.up, x, T, acts.up.f32());
  silu_mul(acts.gate.f32(), acts.up.f32(), acts.hidden.f32(), T * inter);
  linear_params_forward(p.down, acts.hidden.f32(), T, y);
}

void mlp_train_backward(const MlpParams& p, const float* x, const MlpActivations& acts,
                        const float* dy, int64_t T, const MlpParams& grads, float* dx) {
  const int64_t inter = p.gate.out;
  Tensor dhidden = Tensor::zeros(DType::F32, {T, inter});  // [T, inter]
  linear_params_backward(p.down, acts.hidden.f32(), dy, T, grads.down, dhidden.f32());
  Tensor dgate = Tensor::zeros(DType::F32, {T, inter}), dup = Tensor::zeros(DType::F32, {T, inter});
  silu_mul_backward(acts.gate.f32(), acts.up.f32(), dhidden.f32(), dgate.f32(), dup.f32(),
                    T * inter);
  linear_params_backward(p.gate, x, dgate.f32(), T, grads.gate, dx);
  linear_params_backward(p.up, x, dup.f32(), T, grads.up, dx);
}

}  // namespace r1
