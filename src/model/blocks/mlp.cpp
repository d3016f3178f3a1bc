// SwiGLU MLP: two up projections, the gated activation, one down projection; backward reversed.
#include "model/blocks/mlp.h"

#include <vector>

#include "core/thread_pool.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/elementwise_backward.h"
#include "model/blocks/linear_layer.h"

namespace r1 {

void mlp_forward(const MlpWeights& w, const float* x, int64_t T, float* y, ComputeType compute,
                 MlpTape* tape, Threads threads) {
  const int64_t I = w.gate.weight.rows();
  std::vector<float> gate_buf, up_buf;  // [T, I] each, when nothing is taped
  float *gate, *up, *hidden;
  if (tape) {
    tape->gate = Tensor::zeros(DType::F32, {T, I});
    tape->up = Tensor::zeros(DType::F32, {T, I});
    tape->hidden = Tensor::zeros(DType::F32, {T, I});
    gate = tape->gate.f32(), up = tape->up.f32(), hidden = tape->hidden.f32();
  } else {
    gate_buf.resize(size_t(T * I));
    up_buf.resize(size_t(T * I));
    gate = gate_buf.data(), up = up_buf.data(), hidden = gate;  // silu_mul in place
  }
  linear_layer_forward(w.gate, x, T, gate, compute, threads);
  linear_layer_forward(w.up, x, T, up, compute, threads);
  if (threads == Threads::Pool && T * I >= (int64_t(1) << 16)) {  // prefill: ~10% of it serial
    default_thread_pool().parallel_for(T * I, 1024, [&](int64_t i0, int64_t i1) {
      silu_mul(gate + i0, up + i0, hidden + i0, i1 - i0);
    });
  } else {
    silu_mul(gate, up, hidden, T * I);
  }
  linear_layer_forward(w.down, hidden, T, y, compute, threads);
}

void mlp_backward(const MlpWeights& w, const float* x, const MlpTape& tape, const float* dy,
                  int64_t T, const MlpWeights& grads, float* dx, ComputeType compute) {
  const int64_t I = w.gate.weight.rows();
  Tensor dhidden = Tensor::zeros(DType::F32, {T, I});  // [T, I]
  linear_layer_backward(w.down, tape.hidden.f32(), dy, T, grads.down, dhidden.f32(), compute);
  Tensor dgate = Tensor::zeros(DType::F32, {T, I}), dup = Tensor::zeros(DType::F32, {T, I});
  silu_mul_backward(tape.gate.f32(), tape.up.f32(), dhidden.f32(), dgate.f32(), dup.f32(), T * I);
  linear_layer_backward(w.gate, x, dgate.f32(), T, grads.gate, dx, compute);
  linear_layer_backward(w.up, x, dup.f32(), T, grads.up, dx, compute);
}

}  // namespace r1
