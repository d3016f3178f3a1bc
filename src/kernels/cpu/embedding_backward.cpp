// Split by columns over the default thread pool: every thread adds all tokens into its own
// column range, so no two threads write the same float and the sums keep token order.
#include "kernels/cpu/embedding_backward.h"

#include "core/error.h"
#include "core/thread_pool.h"

namespace r1 {

void embedding_backward(const int32_t* tokens, const float* dx, int64_t T, int64_t D, int64_t V,
                        float* dE) {
  for (int64_t t = 0; t < T; ++t) R1_ASSERT(tokens[t] >= 0 && tokens[t] < V);
  auto columns = [&](int64_t c0, int64_t c1) {
    for (int64_t t = 0; t < T; ++t) {
      float* row = dE + int64_t(tokens[t]) * D;
      const float* g = dx + t * D;
      for (int64_t c = c0; c < c1; ++c) row[c] += g[c];
    }
  };
  if (T * D < (int64_t(1) << 15)) {
    columns(0, D);
  } else {
    default_thread_pool().parallel_for(D, 16, columns);
  }
}

}  // namespace r1
