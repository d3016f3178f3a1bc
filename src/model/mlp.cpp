// SwiGLU MLP: two up projections, the gated activation, one down projection.
#include "model/mlp.h"

#include <vector>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linear.h"

namespace r1 {

void mlp_forward(const MlpWeights& w, const float* x, int64_t T, float* y, Threads threads) {
  const int64_t I = w.gate.weight.rows();
  std::vector<float> gate(size_t(T * I)), up(size_t(T * I));  // [T, I]
  linear(x, T, w.gate.weight, w.gate.bias_ptr(), gate.data(), threads);
  linear(x, T, w.up.weight, w.up.bias_ptr(), up.data(), threads);
  silu_mul(gate.data(), up.data(), gate.data(), T * I);
  linear(gate.data(), T, w.down.weight, w.down.bias_ptr(), y, threads);
}

}  // namespace r1
