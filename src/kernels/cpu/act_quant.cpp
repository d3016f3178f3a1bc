// Block quantisation of activations: round-to-nearest-even of x / d, d = amax / 127.
#include "kernels/cpu/act_quant.h"

#include <algorithm>
#include <cmath>

namespace r1 {

void quantize_activations(const float* x, int64_t ldx, int64_t T, int64_t in,
                          std::vector<ActBlock>& out) {
  const int64_t nb = in / 32;
  out.resize(size_t(T * nb));
  for (int64_t i = 0; i < T * nb; ++i) {
    const float* v = x + (i / nb) * ldx + (i % nb) * 32;
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(v[j]));
    const float d = amax / 127.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
    ActBlock& a = out[size_t(i)];
    a.d = d;
    a.sum = 0;
    for (int j = 0; j < 32; ++j) {
      a.qs[j] = int8_t(std::nearbyint(v[j] * id));
      a.sum += a.qs[j];
    }
  }
}

}  // namespace r1
